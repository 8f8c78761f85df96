"""The cases, broken files and coverage of a ``kam test`` run in, its report out: JSON for
programs (``schemas/test-report.schema.json``) and JUnit XML for CI systems.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from .coverage import Coverage
from .testing import CaseResult, FileError


@dataclass(frozen=True)
class Report:
    """A whole ``kam test`` run: every case, every file that could not run, and coverage."""

    files: tuple[str, ...]
    cases: tuple[CaseResult, ...]
    errors: tuple[FileError, ...]
    coverage: Coverage | None = None

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.passed)

    def totals(self) -> dict[str, int]:
        return {
            "files": len(self.files),
            "cases": len(self.cases),
            "passed": len(self.cases) - len(self.failed),
            "failed": len(self.failed),
            "errors": len(self.errors),
        }

    def to_dict(self) -> dict[str, Any]:
        """The shape of ``kam test --format json`` (schemas/test-report.schema.json)."""
        out: dict[str, Any] = {
            "kam_test_report": 1,
            "ok": not self.failed and not self.errors and bool(self.files),
            "totals": self.totals(),
            "cases": [c.to_dict() for c in self.cases],
            "errors": [e.to_dict() for e in self.errors],
        }
        if self.coverage is not None:
            done, total = self.coverage.totals()
            missing = self.coverage.missing()
            out["coverage"] = {"exercised": done, "total": total, "missing": missing}
            out["ok"] = out["ok"] and not missing
        return out

    def junit_xml(self) -> bytes:
        """JUnit XML as CI systems read it: a testsuite per test file, a testcase per case,
        a failure (the first difference as its message, all of them as its text) per failed
        case, and an error per file that could not run."""
        import xml.etree.ElementTree as ET

        by_file: dict[str, list[CaseResult]] = {f: [] for f in self.files}
        for c in self.cases:
            by_file.setdefault(c.file, []).append(c)
        broken = {e.file: e for e in self.errors}
        root = ET.Element("testsuites", name="kam test")
        for file, cases in by_file.items():
            error = broken.get(file)
            suite = ET.SubElement(
                root,
                "testsuite",
                name=_xml_text(file),
                tests=str(len(cases) + (1 if error else 0)),
                failures=str(sum(1 for c in cases if not c.passed)),
                errors=str(1 if error else 0),
                skipped="0",
                time=f"{sum(c.seconds for c in cases):.3f}",
            )
            for c in cases:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_classname(file),
                    name=_xml_text(c.name),
                    file=_xml_text(file),
                    line=str(c.line),
                    time=f"{c.seconds:.3f}",
                )
                if not c.passed:
                    failure = ET.SubElement(
                        case, "failure", message=_xml_text(c.failures[0]), type="expectation"
                    )
                    failure.text = _xml_text("\n".join(c.failures))
            if error:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_classname(file),
                    name="(the test file)",
                    file=_xml_text(file),
                    time="0.000",
                )
                fault = ET.SubElement(
                    case, "error", message=_xml_text(error.lines[-1]), type="file-error"
                )
                fault.text = _xml_text("\n".join(error.lines))
        totals = self.totals()
        root.set("tests", str(totals["cases"] + totals["errors"]))
        root.set("failures", str(totals["failed"]))
        root.set("errors", str(totals["errors"]))
        root.set("time", f"{sum(c.seconds for c in self.cases):.3f}")
        ET.indent(root)
        xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return xml + b"\n"


# XML 1.0 cannot hold most control characters, and YAML can: drop them rather than write a
# file the CI system refuses.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _classname(file: str) -> str:
    """``playbooks/tests/pricing.yaml`` -> ``playbooks.tests.pricing`` (how CI groups cases)."""
    stem = os.path.splitext(os.path.normpath(file))[0]
    return _xml_text(stem.replace(os.sep, ".").lstrip("."))
