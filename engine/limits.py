"""Nothing in, the engine's hard limits out: every bound on what a playbook, a deal or a
message may hold, written once and imported wherever it is enforced.

Each limit stops a hostile or mistaken input before it can exhaust memory, the stack or the
time of a run, or reach a rule as a number no real deal holds.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- reading text: playbooks, modules, deal files, batch lines and standard input -------------
MAX_BYTES = 1_000_000  # one file, one deal, one batch line
MAX_DEPTH = 64  # nesting of lists and mappings
MAX_ITEMS = 10_000  # entries of one list or mapping
MAX_NODES = 500_000  # values in one YAML document
MAX_STRING = 100_000  # characters of one text value
MAX_NUMBER_DIGITS = 30  # significant digits of any number read (playbook, deal, API Decimal)
MAX_NUMBER_TEXT = 40  # characters of a JSON number with a point or an exponent
YAML_EXPONENTS = (-30, 30)  # Decimal.adjusted() of a number written in YAML

# -- numbers in a deal: beyond these no amount is real, whatever its type ----------------------
MAX_AMOUNT = 10**15  # a whole number or a float: at most this, either sign
DEAL_EXPONENTS = (-30, 15)  # Decimal.adjusted() of a deal's exact number; a float other
# than 0 must be at least 10**DEAL_EXPONENTS[0] in size (the same smallest size)
SMALLEST_FLOAT = float(f"1e{DEAL_EXPONENTS[0]}")
MAX_EXPONENT_DIGITS = 4  # digits of a written exponent (1e0015 is fine; 1e99999 is not a number
# kam reads): checked on the text, before Decimal() could fail or build a huge number

# -- arithmetic: what kam computes with -------------------------------------------------------
# Inputs hold at most MAX_NUMBER_DIGITS significant digits between 10**-30 and 10**15, so sums
# and differences of deal values and products of two stay exact within COMPUTE_DIGITS; longer
# products are rounded half-even to COMPUTE_DIGITS and quotients to QUOTIENT_DIGITS. A result beyond
# 10**COMPUTE_EMAX is reported as a problem of the deal, never rounded to infinity.
COMPUTE_DIGITS = 100
COMPUTE_EMAX = 999
QUOTIENT_DIGITS = 28  # a quotient is rarely exact: rounded as Python's default always did

# -- defaults of a declared deal field (a playbook may set its own) -----------------------------
FIELD_NUMBER_BOUND = MAX_AMOUNT  # money, number, percent: minimum and maximum
FIELD_INTEGER_BOUND = 10**12  # integer fields
FIELD_MAX_ITEMS = 5000  # list fields

# -- playbooks -------------------------------------------------------------------------------
MAX_INCLUDE_DEPTH = 8  # modules including modules
# include and extends entries followed for one playbook, every occurrence counted (a module
# included by ten modules counts ten times): fan-out is bounded, not only depth
MAX_INCLUDES = 32
MAX_PLAYBOOK_BYTES = MAX_BYTES  # one playbook with everything it includes, each file once
# Sizes of one playbook (merged with its modules), refused before any checking so that no
# check, however its work grows with the playbook, can stall lint. No real sales process
# comes near them.
MAX_RULES = 5000  # entries of rules:
MAX_STAGES = 200  # entries of stages:
MAX_CATEGORIES = 200  # entries of categories:
MAX_MOVES = 2000  # moves once ``from: [a, b]`` and ``from: any`` are spread over their stages
MAX_CYCLE_NAMES = 10  # names one cycle problem lists before "and N more"
MAX_EXPRESSION_LENGTH = 1000  # characters of one expression
MAX_EXPRESSION_DEPTH = 32  # nesting of one expression

# -- messages (templates rendered per deal) ------------------------------------------------------
MAX_TEMPLATE_SOURCE = 4000  # characters of one message template
# Values one rendering may look up. A message over a 5,000-line deal reads a few per line;
# this stops a filter run once per loop item (n x n lookups) long before it could stall.
MAX_LOOKUPS = 100_000
MAX_OUTPUT = 64 * 1024  # characters one rendered message may produce
# Every value a message builds (a text, a list, a number) is checked as it is built, so no
# operator or filter can grow one past what a message could ever show:
MAX_MESSAGE_TEXT = MAX_STRING  # characters of one text a message builds (any deal text fits)
MAX_MESSAGE_ITEMS = MAX_ITEMS  # items of one list a message builds
MAX_MESSAGE_NESTING = 64  # brackets and operators inside one another in a message
MAX_MESSAGE_DIGITS = 40  # a number a message computes lies within 10**-40 .. 10**40 (or is 0)
MAX_MESSAGE_WIDTH = 1000  # the width of center, indent and wordwrap, the leeway of truncate
MAX_MESSAGE_PLACES = 20  # decimal places of number, pct and round
MAX_RENDER_SECONDS = 0.2  # time one rendering computes (its thread), checked as it runs
MAX_RENDER_BUILT = 4_000_000  # characters and list items one rendering may build in all
MAX_SORTED_TEXT = MAX_BYTES  # characters of a list sort, unique, min or max compare (a deal)
# Characters of a name that name_diff() aligns (the rest is shown cut with "…"): the
# alignment is quadratic at worst, and no company or person name is longer.
MAX_NAME_DIFF = 300


@dataclass(frozen=True, slots=True)
class Limits:
    """The reading limits, as one value a caller may change (tests and tools pass their own);
    every hostile input hits one."""

    max_bytes: int = MAX_BYTES
    max_depth: int = MAX_DEPTH
    max_items: int = MAX_ITEMS
    max_nodes: int = MAX_NODES
    max_string: int = MAX_STRING
    max_number_digits: int = MAX_NUMBER_DIGITS


DEFAULT_LIMITS = Limits()
