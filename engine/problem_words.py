"""Keys and values in, words out: how a lint diagnostic and a deal's bad value read in every
language. These are parts of ``text.WORDS`` (merged there: one table), kept in their own file
because there are so many.

- ``lint_codes``: every diagnostic code kam emits, as one sentence (``tests/test_problem_words``
  finds every code in the engine's source and requires one here in every language). A
  diagnostic with no words for its ``said`` is shown as this sentence plus its own text.
- ``lint``: a diagnostic's words by its ``said`` key, ``{fields}`` from its ``values``.
- ``lint_hints``: a hint's words by its ``hint_said`` key, from the same values.
- ``lint_words``: names of kinds (``{what}``: role, stage...) and of values found where
  another kind was expected (``{found}``, ``{want}``).
- ``deal_problems``: a deal's bad value by its ``kind``, ``{fields}`` from its values.

English ``lint`` and ``deal_problems`` words give exactly the English message a diagnostic
or problem carries (a test holds them together), so the two languages say the same thing.
"""

from __future__ import annotations

PROBLEM_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "lint_codes": {
            "_detail": "{sentence}: {detail}",
            "_hint": "hint: {hint}",
            "_summary": "{errors} error(s) in {files}",
            "alias": "YAML anchors and aliases are not allowed",
            "arguments": "a function is given the wrong arguments",
            "bad-basis": "an approval is bound to a value it cannot be bound to",
            "bad-key": "a key that does not belong here",
            "bad-move": "a stage move that cannot be made",
            "bad-name": "not a valid name",
            "bad-number": "a number kam cannot read",
            "bad-parameter": "a parameter's value is not valid",
            "bad-row": "a table row that matches nothing",
            "bad-scope": "a rule's categories contradict where it sits",
            "bad-set-path": "a test case sets a value that cannot be set",
            "bad-source": "a parameter's source is not valid",
            "bad-value": "a value that is not allowed here",
            "builtin-field": "a built-in deal field declared again",
            "category-when": "a category's condition reads what is decided later",
            "duplicate-case": "two test cases with the same name",
            "duplicate-condition": "a condition id used twice",
            "duplicate-key": "a key given twice",
            "duplicate-labels": "two lists of values with labels under one name",
            "duplicate-move": "a stage move given twice",
            "duplicate-rule": "a rule id used twice",
            "duplicate-step": "an approver twice in one chain",
            "duplicate-version": "a version label used twice",
            "empty": "empty",
            "encoding": "the file is not UTF-8 text",
            "expression": "the expression cannot be checked",
            "expression-syntax": "the expression cannot be read",
            "expression-too-deep": "the expression is nested too deeply",
            "expression-too-long": "the expression is too long",
            "fact-cycle": "a fact depends on itself",
            "fact-given": "a fact's recorded value does not fit it",
            "fact-order": "a fact is used before it is worked out",
            "include-absolute": "an include by absolute path",
            "include-cycle": "includes that include each other",
            "include-depth": "includes nested too deeply",
            "include-escape": "an include outside the playbook's folder",
            "include-limit": "too many includes",
            "include-missing": "an included file does not exist",
            "include-no-folder": "an include with no folder to look in",
            "include-unreadable": "an included file the system cannot read",
            "include-url": "an include from a URL",
            "input": "the file cannot be read",
            "invisible-character": "an invisible character",
            "label": "a label that names no labelled values",
            "look-alike-names": "two names that look alike",
            "message": "the message cannot be checked",
            "misplaced-fields": "fields: where they mean nothing",
            "misplaced-items": "items: where they mean nothing",
            "missing-file": "a named file does not exist",
            "missing-key": "something required is missing",
            "missing-label": "a value without a label in one language",
            "multiple-documents": "more than one YAML document in the file",
            "no-stages": "a category with no stages",
            "no-terminal": "no stage ends a deal",
            "no-way-out": "a stage with no move out",
            "no-way-to-end": "stages from which a deal can never end",
            "not-a-module": "an include that is not a policy module",
            "not-a-playbook": "not a playbook",
            "not-a-test-file": "not a test file",
            "not-allowed": "not allowed in an expression",
            "nothing-to-ask": "a rule asks for information it cannot lack",
            "open-items-move": "a move that a deal with open items may make",
            "percent-scale": "a percentage on the wrong scale",
            "person-compare": "people compared by their written names",
            "raw-value": "a Chinese message shows a value's id",
            "reserved-name": "a reserved name",
            "schema": "the playbook's structure is not valid",
            "terminal-exit": "a move out of a terminal stage",
            "test-base": "a test's base deal outside the folder",
            "test-playbook": "tests that name another playbook",
            "tiers-gap": "a gap between a table's rows",
            "tiers-not-rising": "limits that do not rise",
            "tiers-overlap": "table rows that overlap",
            "too-deep": "nested too deeply",
            "too-large": "too large",
            "too-many-cases": "too many test cases",
            "two-initial": "two initial stages",
            "type": "a value of the wrong type",
            "unknown-category": "an unknown category",
            "unknown-document": "an unknown document",
            "unknown-function": "an unknown function",
            "unknown-key": "an unknown key",
            "unknown-name": "an unknown name",
            "unknown-role": "an unknown role",
            "unknown-stage": "an unknown stage",
            "unknown-tag": "a YAML tag kam does not read",
            "unknown-value": "a value that is not one of the allowed values",
            "unreachable-stage": "a stage no deal can reach",
            "versions-overlap": "versions in force at the same time",
            "yaml-syntax": "the YAML cannot be read",
        },
        "lint": {
            "unknown": "unknown {what} '{name}'",
            "unknown_parameter": "unknown parameter '{name}'",
            "unknown_key": "unknown key '{name}'",
            "required_here": "'{name}' is required here",
            "expected": "expected {want}, found {found}",
            "not_allowed_here": "{found} is not allowed here",
            "not_valid_here": "{found} is not a valid value here",
            "not_valid_format": "{found} is not a valid {format}",
            "not_valid_name": "'{name}' is not a valid name",
            "must_not_be_empty": "must not be empty",
            "too_long": "too long",
            "param_not_number": "parameter '{name}' is {value}, not a number",
            "param_no_value": "parameter '{name}': has no value",
            "should_be": "this should be {left}, but it is {right}",
            "no_way_out": "stage '{name}' has no move out and is not terminal",
            "no_way_out_for": (
                "stage '{name}' has no move out and is not terminal for category '{category}'"
            ),
            "no_terminal": "no stage is terminal: a deal could never end",
            "as_without_for_each": "'as' names the item of for_each; there is no for_each",
            "not_a_playbook": "a playbook must be a mapping (key: value) at the top",
            "ends_after": "the expression ends after '{word}'; something must follow it",
            "not_an_expression": "this is not a valid expression",
            "needs_role": "'{rule}' needs an approver: add role:",
            "terminal_exit": "'{name}' is terminal: no move may leave it",
            "duplicate_condition": "condition id '{name}' is used twice (first at line {line})",
            "row_empty": "row {row} matches nothing: its range {range} is empty",
            "indent": (
                "this line starts in column {column}, but the next one at its level "
                "(line {line}) starts in column {should}"
            ),
            "param_not_percent": "parameter '{name}': '{value}' is not a percentage like \"15%\"",
            "param_want_percent": "parameter '{name}': expected a percentage like \"15%\"",
            "param_expected": "parameter '{name}': expected {want}, found {value}",
            "param_not_date": "parameter '{name}': '{value}' is not a date (YYYY-MM-DD)",
            "param_want_list": "parameter '{name}': expected a list",
            "param_not_days": "parameter '{name}' is {value}, not a whole number of days",
            "param_beyond": "parameter '{name}' is {value}, beyond its {bound} {limit}",
            "duplicate_key": "duplicate key '{name}' (first given at line {line})",
            "duplicate_rule": "rule id '{name}' is used twice (first at line {line})",
            "no_field": "{where} has no field '{name}'",
            "cannot_compare": "cannot compare {left} with {right}",
            "needs_numbers": "'{op}' needs numbers, but this is {type}",
            "not_possible_value": "'{name}' is not a possible value here",
            "tiers_not_rising": (
                "table '{table}': row {row} starts at {at}, not above row {prev} ({prev_at})"
            ),
            "tiers_open_above": (
                "table '{table}': row {row} has no upper bound, so it overlaps row {next}"
            ),
            "tiers_open_below": (
                "table '{table}': row {row} has no lower bound, so it overlaps row {prev}"
            ),
            "tiers_overlap": "table '{table}': rows {prev} and {row} overlap at {at}",
            "tiers_gap_at": "table '{table}': the value {high} itself matches no row",
            "tiers_gap": "table '{table}': values between {low} and {high} match no row",
            "bound_percent_scale": (
                "{key}: {value} is compared with a percentage ({input}): {value} would mean "
                "{percent}"
            ),
            "param_percent_scale": (
                "parameter '{name}' is a percentage written as {value}, which is {percent}"
            ),
            "param_used_as_percent": (
                "parameter '{name}' is {value}, but {place}: {value} would mean {percent}"
            ),
            # (the words of every diagnostic without words above: issue 11)
            "file_too_large": "file is {size} characters; the limit is {limit}",
            "cannot_read_yaml": "cannot read YAML: {problem}",
            "character_not_allowed": (
                "character U+{code} is not allowed in a YAML file (a control character or a "
                "broken one)"
            ),
            "a_character_not_allowed": (
                "character is not allowed in a YAML file (a control character or a broken one)"
            ),
            "too_deep": "nesting deeper than {limit} levels",
            "yaml_problem": "{format}",
            "yaml_found": "{format}, but found {token}",
            "yaml_got": "{format}, but got {token}",
            "multiple_documents": "the file holds more than one YAML document",
            "alias": "aliases (*{name}) are not allowed",
            "anchor": "anchors (&{name}) are not allowed",
            "too_many_values": "more than {limit} values",
            "key_plain": "a mapping key must be plain text",
            "key_not_text": "key {name} is not text",
            "too_many_entries": "more than {limit} entries in one mapping",
            "too_many_items": "more than {limit} items in one list",
            "unknown_tag": "unknown tag {name}",
            "text_too_long": "text longer than {limit} characters",
            "not_valid_tagged": "{value} is not a valid !!{kind}",
            "number_too_long": "number {value}... is too long",
            "number_out_of_range": "number {value} is out of range",
            "not_utf8": "not valid UTF-8 text (byte {at} is 0x{byte})",
            "invisible_character": "invisible or direction-changing character U+{code}",
            "is_a_folder": "is a folder, not a playbook file",
            "file_bytes": "the file is {size} bytes; the limit is {limit}",
            "cannot_read_file": "cannot read the file: {format}",
            "playbook_too_large": (
                "the playbook and its modules hold more than {limit} characters in all"
            ),
            "not_a_module": "'{name}' is not a policy module (it has no 'module:' key)",
            "include_url": "'{name}' is a URL; only files beside the playbook can be used",
            "include_absolute": "'{name}' is an absolute path",
            "include_no_folder": (
                "'{name}' cannot be read: the playbook was given as text, with no folder to "
                "read "
                "it from"
            ),
            "include_unreadable": "'{name}' cannot be read: {format}",
            "include_escape": "'{name}' leads outside the playbook folder",
            "include_cycle": "include cycle: {chain}",
            "include_depth": "includes nest deeper than {limit} levels",
            "include_limit": (
                "more than {limit} includes in all (every include of every module counts, also "
                "of a file included before)"
            ),
            "include_missing": "'{name}' does not exist",
            "expression_too_long": "expression is {size} characters; the limit is {limit}",
            "expression_empty": "the expression is empty",
            "cannot_read_expression": "cannot read the expression: {format}",
            "expression_too_deep": "expression nests deeper than {limit} levels",
            "python_never_closed": "'{token}' was never closed",
            "python_unmatched": "unmatched '{token}'",
            "python_mismatched": (
                "closing parenthesis '{token}' does not match opening parenthesis '{other}'"
            ),
            "python_mismatched_line": (
                "closing parenthesis '{token}' does not match opening parenthesis '{other}' on "
                "line {line}"
            ),
            "python_quote": "unterminated string literal (detected at line {line})",
            "python_triple_quote": (
                "unterminated triple-quoted string literal (detected at line {line})"
            ),
            "python_bad_char": "invalid character '{token}' (U+{code})",
            "python_literal": "invalid {format} literal",
            "python_zeros": (
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix "
                "for octal integers"
            ),
            "python_unexpected_end": "unexpected EOF while parsing",
            "python_other": "{format}",
            "expr_number_out_of_range": "the number {value} is out of range",
            "needs_field_name": "'{name}' needs a field name after it, like {name}.something",
            "underscore_name": "names starting with '_' are not allowed ('{name}')",
            "field_path_start": "a field path must start with deal, facts, params or stage",
            "fact_order": "{format}",
            "param_no_fields": "parameter '{name}' has no fields",
            "as_of_no_fields": "as_of is a date and has no fields",
            "has_no_field": "{where} is {type} and has no field '{name}'",
            "refuse_Lambda": "lambda is not allowed",
            "refuse_ListComp": "list comprehensions are not allowed",
            "refuse_SetComp": "set comprehensions are not allowed",
            "refuse_DictComp": "dict comprehensions are not allowed",
            "refuse_GeneratorExp": (
                "'for' is only allowed inside any(), all(), sum(), count(), min(), max()"
            ),
            "refuse_Subscript": "indexing with [...] is not allowed",
            "refuse_Dict": "{{...}} mappings are not allowed",
            "refuse_Set": "{{...}} sets are not allowed",
            "refuse_JoinedStr": "f-strings are not allowed",
            "refuse_NamedExpr": "':=' is not allowed",
            "refuse_Await": "await is not allowed",
            "refuse_Starred": "'*' is not allowed",
            "refuse_Slice": "slices are not allowed",
            "refuse_other": "this kind of expression ({name}) is not allowed",
            "only_functions": "only the documented functions can be called",
            "no_named_arguments": "{name}() takes no named arguments",
            "no_star_arguments": "'*' arguments are not allowed",
            "no_for": "{name}() does not take 'for'",
            "usage": "usage: {usage}",
            "needs_a_list": "{name}() needs a list, not {type}",
            "needs_conditions": "{name}() needs conditions, not {type}",
            "fn_needs_numbers": "{name}() needs numbers, not {type}",
            "one_for": "only one 'for' is allowed",
            "one_if": "use one 'if' with 'and' instead of several",
            "loop_variable_plain": "the loop variable must be a plain name",
            "loop_variable_taken": "'{name}' cannot be used as the loop variable",
            "for_needs_a_list": "'for' needs a list, not {type}",
            "takes_argument": "{name}() takes {count} argument: {usage}",
            "takes_arguments": "{name}() takes {count} arguments: {usage}",
            "needs_not": "{what}, not {type}",
            "numbers_or_dates": "{name}() needs numbers or dates of one kind",
            "round_places": "round() needs a whole number of places from 0 to 10",
            "add_days_n": "add_days() needs a whole number of days",
            "default_must_be": "the default must be {type}",
            "needs_sign_off": "signed_off() needs a sign-off field, not {type}",
            "chain_status_here": "chain_status() cannot be used here",
            "must_be_condition": "{what} must be a condition (true/false), but this is {type}",
            "cannot_negate": "cannot negate {type}",
            "operator_not_allowed": "the operator '{op}' is not allowed",
            "cannot_look_for": "cannot look for {left} in a {right}",
            "text_in_text": "only text can be found in text",
            "in_needs": "'in' needs a list or text on its right, not {type}",
            "no_is": "use '==' and '!=' instead of 'is'",
            "null_compare": "null can only be compared with == or !=",
            "cannot_order": "'{op}' cannot order {type}",
            "person_compare": (
                "'{op}' compares people as plain text: 'Li.Na' or ' li.na' is not 'li.na' to it"
            ),
            "compared_percent_scale": (
                "{value} is compared with a percentage ({what}): {value} would mean {percent}"
            ),
            "outcomes_differ": "the two outcomes differ: {left} and {right}",
            "one_kind": "a list must hold values of one kind",
            "message_too_long": "message is longer than {limit} characters",
            "message_template": "message template: {format}",
            "message_number": "a number in a message lies within 10**-{limit} and 10**{limit}",
            "message_percent_sign": "messages write values with filters, not with '%'",
            "message_set_block": "a {{% set %}} block is not allowed in messages",
            "message_power": "'**' is not allowed in messages",
            "message_repeat": "messages cannot repeat text with '*'",
            "message_call": "messages cannot call functions",
            "message_filter": "the filter '{name}' is not allowed in messages",
            "names_not_in": (
                "names_not_in keeps the names of the list before it that are none of one other list"
            ),
            "name_diff": "name_diff compares the name before it with one other name",
            "message_node": "'{name}' is not allowed in messages",
            "message_loops": "messages cannot have a loop inside a loop",
            "message_underscore": "names starting with '_' are not allowed",
            "message_too_deep": "the message nests more than {limit} brackets or operators deep",
            "filter_arguments": (
                "{name}: messages pass filter arguments one by one, not with * or **"
            ),
            "name_the_filter": "{name}: name the filter it applies as text, e.g. {name}('upper')",
            "name_the_test": "{name}: name the test it applies as text, e.g. {name}('defined')",
            "named_filter": "{name}('{value}'): the filter '{value}' is not allowed in messages",
            "named_test": "{name}('{value}'): the test '{value}' is not allowed in messages",
            "name_the_attribute": "{name}: name the attribute as text",
            "size_argument": "{name}: the {keyword} is a whole number from {least} to {most}",
            "message_test": "the test '{name}' is not allowed in messages",
            "test_arguments": "{name}: messages pass test arguments one by one",
            "label_needs_name": "label needs the name of the values it labels",
            "label_no_values": "label('{name}'): no values of that name have labels",
            "raw_value": "this Chinese message prints the value of '{name}' as its id",
            "unknown_in_message": "unknown name '{name}' in the message",
            "schema_other": "{format}",
            "must_be": "must be {value}",
            "more_than_one": "{value} is more than 1 (100%)",
            "literal_not_allowed": "{name} literals are not allowed",
            "duplicate_step": "'{name}' appears twice in chain '{chain}'",
            "chain_not_rising": "chain '{chain}': the limits must rise from step to step",
            "chain_no_amount": "chain '{chain}' has limits but no amount to compare them with",
            "category_when": (
                "a category's when may read deal fields and params only, not {names_list}: the "
                "category is decided when the deal is read, before anything else"
            ),
            "who_provides": (
                "who provides a missing document? add document_actions: {{assignee: <role>, "
                "due_in_days: N}}"
            ),
            "value_percent_scale": "{value} is {what}, so it would mean {percent}",
            "expected_expression": "expected an expression (text)",
            "fact_cycle": "fact '{name}' depends on itself",
            "fact_cycle_through": "fact '{name}' depends on itself through {names}",
            "fact_cycle_more": "fact '{name}' depends on itself through {names} and {more} more",
            "below_zero_number": (
                "below_zero says how a number below 0 reads; this fact is not a number"
            ),
            "below_zero_value": (
                "below_zero must name the value: write {{value}} where its size goes"
            ),
            "values_text_facts": "allowed values are only for text facts",
            "given_deal_field": "given of fact '{name}' must name a deal field, not '{value}'",
            "given_kind": (
                "{value} is {left}, but fact '{name}' is {right}: a recorded value must be "
                "comparable with the derived one"
            ),
            "fact_needs_value": "fact '{name}' needs value, cases or table",
            "message_no_given": (
                "fact '{name}' has a message but no given: the message is the finding when a "
                "recorded value and the derived one differ"
            ),
            "given_any_text": "{value} may hold any text, but fact '{name}' is one of {options}",
            "given_extra": (
                "{value} may be {names}, which fact '{name}' never is (it is one of {options})"
            ),
            "not_fact_value": "'{value}' is not one of the values of fact '{name}'",
            "values_text_fields": "allowed values are only for text fields",
            "allow_above_100": "allow_above_100 is for percentage fields; this one is type: {kind}",
            "fields_mean_nothing": "'{name}' is type: {kind}, so its fields: mean nothing",
            "items_mean_nothing": "'{name}' is type: {kind}, so its items: mean nothing",
            "builtin_field": "'{name}' is a built-in deal field",
            "both_labelled": "the values of fact '{name}' and field '{name}' are both labelled",
            "field_percent_scale": "{key}: {value} on a percentage field would mean {percent}",
            "basis_kinds": "basis '{name}' is {left} here and {right} elsewhere",
            "missing_label": "value '{value}' of '{name}' has no {format} label",
            "fields_beside_list": (
                "the item fields of list '{name}' are written beside type: list; a list "
                "describes its items under items:"
            ),
            "fields_not_declared": (
                "fields: stands beside type: list, so the item fields of list '{name}' are not "
                "declared (its items are objects with no fields)"
            ),
            "fields_mean_nothing_here": (
                "list '{name}' describes its items under items:; fields: here means nothing"
            ),
            "no_stages": "no stage is used by category '{category}'",
            "two_initial": "more than one initial stage ('{name}' and '{other}')",
            "no_way_to_end": (
                "no terminal stage can be reached from stages {names_list}: a deal there could "
                "never end"
            ),
            "no_way_to_end_one": (
                "no terminal stage can be reached from stage {names_list}: a deal there could "
                "never end"
            ),
            "no_way_to_end_for": (
                "no terminal stage can be reached from stages {names_list} for category "
                "'{category}': a deal there could never end"
            ),
            "no_way_to_end_one_for": (
                "no terminal stage can be reached from stage {names_list} for category "
                "'{category}': a deal there could never end"
            ),
            "unreachable": (
                "no move leads to stage '{name}', so it cannot be reached from '{start}'"
            ),
            "unreachable_also": (
                "no move leads to stage '{name}', so it cannot be reached from '{start}' (nor "
                "can {also_list}, reached only through it)"
            ),
            "unreachable_for": (
                "no move leads to stage '{name}', so it cannot be reached from '{start}' for "
                "category '{category}'"
            ),
            "unreachable_for_also": (
                "no move leads to stage '{name}', so it cannot be reached from '{start}' for "
                "category '{category}' (nor can {also_list}, reached only through it)"
            ),
            "unreachable_into": (
                "only moves from stages that cannot be reached lead to stage '{name}', so it "
                "cannot be reached from '{start}'"
            ),
            "unreachable_into_also": (
                "only moves from stages that cannot be reached lead to stage '{name}', so it "
                "cannot be reached from '{start}' (nor can {also_list}, reached only through it)"
            ),
            "unreachable_into_for": (
                "only moves from stages that cannot be reached lead to stage '{name}', so it "
                "cannot be reached from '{start}' for category '{category}'"
            ),
            "unreachable_into_for_also": (
                "only moves from stages that cannot be reached lead to stage '{name}', so it "
                "cannot be reached from '{start}' for category '{category}' (nor can "
                "{also_list}, reached only through it)"
            ),
            "look_alike": (
                "{what} '{name}' looks like {what} '{other}' (line {line}): they differ only in "
                "characters that look alike (O and 0, l and 1, case)"
            ),
            "open_items_move": (
                "the move {names} -> {name} goes to a later stage, but a blocked deal or one "
                "waiting for an approval may still make it"
            ),
            "duplicate_move": "the move {name} -> {other} is given twice (first at line {line})",
            "move_to_itself": "a move from '{name}' to itself",
            "no_category_both": "no category uses both '{name}' and '{other}'",
            "expected_bound": (
                '{what}: expected a number, a percentage like "15%" or params.<name>, found '
                "'{value}'"
            ),
            "unknown_source": "parameter '{name}': unknown source '{value}'",
            "source_no_value": "parameter '{name}': source has no value",
            "unknown_source_kind": "parameter '{name}': unknown source kind '{value}'",
            "guide_language": (
                "parameter '{name}': source guide has a text in '{value}', which is not a "
                "language of the playbook"
            ),
            "guide_where": (
                "parameter '{name}': source guide does not say where the guide gives the number"
            ),
            "must_be_number": "{what} must be a number",
            "not_whole_days": "'{value}' is not a whole number of days",
            "nothing_to_ask": (
                "'{name}' asks for missing information, but its condition reads no value that "
                "can be absent"
            ),
            "rule_not_approval": (
                "'{name}' is not an approval: basis says what an approval is bound to"
            ),
            "basis_not_ordered": (
                "basis '{name}' is {type}: an approval can only be bound to a value that is "
                "larger or smaller than another"
            ),
            "bad_scope": (
                "rule '{name}' sits under category '{category}' but lists other categories"
            ),
            "needs_action": "'{name}' needs an action: add action: {{id, assignee}}",
            "due_in_days": "a table row's action is due in days: use due_in_days",
            "win_probability": "win probability {value} is not between 0% and 100%",
            "reserved_stage": "'{name}' cannot be a stage name",
            "table_not_approval": (
                "'{name}' is not an approval table: basis says what an approval is bound to"
            ),
            "basis_taken": "'{name}' is already the name the table's input is bound to",
            "row_bounds": (
                "a row has at most one lower bound (above or from) and one upper bound (up_t"
                "o or "
                "below)"
            ),
            "row_never_below": (
                "row {row} matches nothing: {input} is never below {limit} (the least its field "
                "allows)"
            ),
            "row_never_above": (
                "row {row} matches nothing: {input} is never above {limit} (the most its field "
                "allows)"
            ),
            "row_needs_value": "each row of a fact table needs a value",
            "too_many_rules": "{count} rules; the limit is {limit} rules",
            "too_many_stages": "{count} stages; the limit is {limit} stages",
            "too_many_categories": "{count} categories; the limit is {limit} categories",
            "too_many_moves": (
                "{count} moves once 'from: any' and lists of stages are spread; the limit is "
                "{limit} moves"
            ),
            "fact_percent_scale": (
                "{value} is the value of percentage fact '{name}', so it would mean {percent}"
            ),
        },
        "lint_hints": {
            "did_you_mean": "did you mean '{close}'?",
            "unknown-role": "declare it under roles:",
            "unknown-document": "declare it under documents:",
            "known_stage": "stages: {known}",
            "known_category": "categories: {known}",
            "known_stages": "stages: {known}",
            "known_categorys": "categorys: {known}",
            "param_not_number": "line {line} uses it as a number",
            "param_not_days": "line {line} uses it as a whole number of days",
            "duplicate_key": "each key may appear once; remove or rename one of them",
            "duplicate_rule": "every rule and table needs its own id",
            "quote_it": "put it in quotes",
            "param_forms": 'percentages are written like "15%"; dates as YYYY-MM-DD',
            "terminal_exit": "remove the move, or take 'terminal' off '{name}'",
            "no_way_out": "add a move out of it, or mark it terminal: true",
            "no_terminal": "mark the end stages (won, lost...) with terminal: true",
            "not_a_playbook": "start the file with 'kam: 1' and 'id: ...'",
            "ends_after": "complete or remove the last part",
            "not_closed": "check that every '(' and '[' is closed and every quote is closed",
            "not_an_expression": (
                "compare with '==', join conditions with 'and' / 'or'; text goes in quotes"
            ),
            "roles": "roles: {roles}",
            "duplicate_condition": (
                "give each condition its own id; to put one condition on several moves, list "
                "their stages in one move: from: [a, b]"
            ),
            "indent": (
                "the keys of one mapping (and the items of one list) start in the same column: "
                "start this line in column {should}"
            ),
            "declare_fact": "declare it under facts:",
            "declare_parameter": "declare it under parameters:",
            "quotes_are_text": "numbers in quotes are text: write 5, not '5'",
            "date_arithmetic": "for dates use days_between(a, b) or add_days(d, n)",
            "possible": "possible: {options}",
            "allowed_keys": "allowed keys: {keys}",
            "use_one_of": "use one of: {options}",
            "tiers_not_rising": "list the tiers from the lowest to the highest",
            "tiers_open_above": "give row {row} an up_to or below",
            "tiers_open_below": "start it where row {prev} ends",
            "tiers_start": "start row {row} with {start}: {bound}",
            "percent_meant": "did you mean {value}%?",
            "param_percent_scale": (
                "did you mean {value}%? write value: {value}% (or {percent} if that is meant)"
            ),
            "write_percent": "did you mean {value}%? write value: {value}%",
            "dates": "dates are written YYYY-MM-DD",
            # (hints of the diagnostics worded for issue 11)
            "split_or_raise": "split it into modules, or raise the limit",
            "delete_character": (
                "delete it; if the file came from another program, save it again as plain text"
            ),
            "flatten": "flatten the structure",
            "yaml_context": "{what} at line {line}, column {column}",
            "no_tabs": "indent with spaces, not tabs",
            "colon": "check the indentation, or quote a value that contains ': '",
            "same_column": (
                "check the indentation: keys of one mapping must start in the same column"
            ),
            "one_document": "keep one document per file (remove the second '---')",
            "write_out": "write the value out in full",
            "quote_key": "quote it: '{value}'",
            "no_tags": "tags are not allowed in playbooks and deals; remove it",
            "save_utf8": "save the file as UTF-8",
            "delete_invisible": "delete it: such characters make two names look equal or hide text",
            "split_modules": "split it into modules",
            "few_thousand_lines": "a playbook with its modules is a few thousand lines at most",
            "extends_not_include": (
                "a playbook version is built on another with 'extends:', not 'include:'"
            ),
            "relative_path": "give the path relative to this file, inside the playbook folder",
            "pass_folder": (
                "pass loads_playbook(text, folder=...) the folder its includes are relative to, "
                "or use load_playbook(path)"
            ),
            "check_path": "check the path and its case",
            "modules_under": "modules must live under {folder}/",
            "remove_include": "remove one of the includes",
            "include_once": "include each module once, from the playbook",
            "split_into_facts": "split it into facts",
            "number_range": "write a number of at most {limit} digits between 1e{low} and 1e{high}",
            "start_name_with": "start a name with one of: {known}",
            "look_into_items": "to look into each item of a list, use any(... for x in list)",
            "declared_fields": "declared fields: {known}",
            "no_declared_fields": "declared fields: none",
            "refuse_Subscript": (
                "to look at list items use any(...), all(...) or sum(... for x in list)"
            ),
            "refuse_GeneratorExp": "for example: any(line.quantity > 5 for line in deal.lines)",
            "functions": "functions: {known}",
            "usage": "usage: {usage}",
            "declare_sign_off": (
                "declare the field with type: sign_off (it records by, role and on)"
            ),
            "chains_later": "facts and approval chains are worked out before chains are",
            "declare_chain": "declare it under approval_chains:",
            "test_a_list": "test a list with len(x) > 0 or any(...)",
            "compare_it": "compare it: == , != , < , > ...",
            "allowed_operators": "allowed: + - * /",
            "same_person": "compare people with same_person(a, b) ",
            "same_person_not": (
                "compare people with same_person(a, b) (not same_person(a, b) for '!=')"
            ),
            "templates_use": "templates use {{{{ value }}}} and {{% if %}}...{{% endif %}}",
            "message_filters": "{{{{ value | number(2) }}}}, {{{{ value | pct }}}}",
            "set_in_one_line": "set a value in one line: {{% set name = deal.customer.name %}}",
            "use_filters": "use filters instead: {{{{ value | pct }}}}",
            "filters": "filters: {known}",
            "tests": "tests: {known}",
            "names_not_in": "{{{{ deal.using_units | names_not_in(deal.subordinate_units) }}}}",
            "name_diff": "{{{{ deal.contract_customer | name_diff(deal.invoice_customer) }}}}",
            "one_list": "list the items of one list; say the rest in words",
            "set_a_part": "set a part first: {{% set share = deal.amount / params.budget %}}",
            "size_argument": "messages are read by people: a {keyword} over {most} is never needed",
            "label_example": "e.g. label('{name}'): a fact's name or a field's path",
            "give_labels": "give the values labels: values: {{id: {{en: ..., zh: ...}}}}",
            "write_label": "write it with its label: | label('{name}')",
            "names": "names: {known}",
            "name_chars": "use lower-case letters, digits and '_', starting with a letter",
            "number_or_param": 'write a number, a percentage like "15%", or params.<name>',
            "id_chars": "use letters, digits and _ . : -, starting with a letter",
            "must_match": "it must match {pattern}",
            "described": "{format}",
            "once_per_round": "each approver acts once per round",
            "later_approves_more": "a later approver approves more than an earlier one",
            "add_amount": "add amount: facts.amount (or another number)",
            "category_when": (
                "write the condition with deal.<field> (a fact's own expression, if need be)"
            ),
            "fact_cycle": "a fact may only use facts that do not use it",
            "remove_below_zero": "remove below_zero:",
            "below_zero_example": (
                'e.g. below_zero: {{en: "{{value}} above list price", zh: "高于指导价 {{value}}"}}'
            ),
            "add_type_string": "add type: string",
            "given_example": (
                "e.g. given: deal.customer.key_account_class (where a person records the value)"
            ),
            "given_kind": "give a deal field of type {kind}",
            "define_in_playbook": (
                "define it in the playbook (a module may leave a fact for the playbook)"
            ),
            "fact_value_example": "e.g. value: sum(line.quantity for line in deal.lines)",
            "add_given": (
                "add given: deal.<field> (the field that records the value), or remove the message"
            ),
            "declare_values": "declare values: [{options}] on the field",
            "same_values": "make the field's values the fact's values",
            "remove_it": "remove it",
            "make_object": "make it type: object, or remove fields:",
            "make_list": "make it type: list, or remove items:",
            "builtin_field": (
                "remove it: id, category, stage, owner, documents, approvals and history are "
                "always there"
            ),
            "rename_fact": "a message's label('...') names one of them: rename the fact",
            "field_percent_scale": (
                "did you mean {value}%? a percentage field's bounds are fractions: {key}: "
                "{fraction} (or add allow_above_100: true)"
            ),
            "different_names": (
                "give the two values different names: a deal records one value per name"
            ),
            "missing_label": (
                "write {{en: ..., zh: ...}}: the playbook's title is in {format} too, so its "
                "messages show this value in it"
            ),
            "fields_beside_list": "put them under items: {{type: object, fields: ...}}",
            "fields_not_declared": "indent fields: under items:, beside its type: object",
            "fields_mean_nothing_here": "remove fields:, or move them into items:",
            "no_way_to_end": (
                "add a move from one of them to a terminal stage, e.g. - {{from: {name}, to: "
                "{other}}}"
            ),
            "add_move_from": (
                "add a move from '{other}' to '{name}'? e.g. - {{from: {other}, to: {name}}}"
            ),
            "add_move_into": "add a move into it, or remove it",
            "look_alike": "rename one of them so that no one takes '{name}' for '{other}'",
            "open_items_move": (
                "add 'all_clear: true', or say why open items may go on: allow_open_items: "
                '"<the reason>"'
            ),
            "check_categories": "check the categories of the two stages",
            "source_forms": (
                'write source: company (a setting the company chose) or source: {{guide: "000 '
                '§商务规定及政策"}} (where the sources give the number)'
            ),
            "company_no_reference": "company takes no reference: write source: company",
            "guide_languages": "write it in each language as {{guide: {{en: ..., zh: ...}}}}",
            "guide_where": (
                'name the document and the place, e.g. {{guide: "000 §商务规定及政策"}}, or in '
                "each "
                "language: {{guide: {{en: ..., zh: ...}}}}"
            ),
            "nothing_to_ask": (
                "on_missing: ask names the deal fields to record; read one without if_missin"
                "g(), "
                "or use on_missing: warn"
            ),
            "rule_not_approval": "remove basis:, or make the rule then: approval",
            "bind_to": "bind it to a number, an amount of money, a percentage or a date",
            "any_means": "'any' is used in transitions to mean every open stage",
            "table_not_approval": "remove basis:, or make the table then: approval",
            "another_name": "give this value another name",
            "check_bound": (
                "check the sign and the scale of the bound, or the field's minimum and maximum"
            ),
            "too_many_rules": "split the playbook by business line",
            "too_many_stages": "a sales process has a handful of stages",
            "too_many_categories": "group customers into fewer categories",
            "too_many_moves": (
                "a 'from: any' move counts once per stage: give the few stages a move really "
                "leaves from"
            ),
        },
        "lint_words": {
            "or": " or ",
            "role": "role",
            "stage": "stage",
            "document": "document",
            "category": "category",
            "fact": "fact",
            "parameter": "parameter",
            "name": "name",
            "type_number": "a number",
            "type_integer": "a whole number",
            "type_money": "an amount of money",
            "type_percent": "a percentage",
            "type_string": "text",
            "type_bool": "true/false",
            "type_date": "a date",
            "type_object": "an object",
            "type_null": "null",
            "type_any": "any value",
            "date": "date",
            "minimum": "minimum",
            "maximum": "maximum",
            "want_string": "text",
            "want_integer": "a whole number",
            "want_number": "a number",
            "want_boolean": "true or false",
            "want_object": "a mapping (key: value)",
            "want_array": "a list",
            "want_null": "empty",
            "found_bool": "true/false",
            "found_number": "the number {value}",
            "found_text": "the text '{value}'",
            "found_mapping": "a mapping",
            "found_list": "a list",
            "found_empty": "nothing (empty)",
            # kinds, and the fixed phrases of PyYAML, Python, the OS and the schema's
            # descriptions a message names (``what``/``format``): said in every language
            "type_list": "list",
            "type_list_of": "list of {item}",
            "type_one_of": "one of {options}",
            "function": "function",
            "approval chain": "approval chain",
            "len() needs a list or text": "len() needs a list or text",
            "abs() needs a number": "abs() needs a number",
            "round() needs a number": "round() needs a number",
            "days_between() needs dates": "days_between() needs dates",
            "add_days() needs a date first": "add_days() needs a date first",
            "lower() needs text": "lower() needs text",
            "upper() needs text": "upper() needs text",
            "same_name() compares two texts": "same_name() compares two texts",
            "same_person() compares two recorded names": (
                "same_person() compares two recorded names"
            ),
            "each side of 'and'": "each side of 'and'",
            "each side of 'or'": "each side of 'or'",
            "'not'": "'not'",
            "the test of 'if'": "the test of 'if'",
            "the 'if' of 'for'": "the 'if' of 'for'",
            "a percentage": "a percentage",
            "list_sep": ", ",
            "list_and": "{head} and {last}",
            "list_more": "{count} more",
            "Chinese": "Chinese",
            "English": "English",
            "limit": "limit",
            "win probability": "win probability",
            "did not find expected key": "did not find expected key",
            "did not find expected '-' indicator": "did not find expected '-' indicator",
            "did not find expected node content": "did not find expected node content",
            "did not find expected ',' or ']'": "did not find expected ',' or ']'",
            "did not find expected comment or line break": (
                "did not find expected comment or line break"
            ),
            "did not find expected whitespace or line break": (
                "did not find expected whitespace or line break"
            ),
            "did not find expected alphabetic or numeric character": (
                "did not find expected alphabetic or numeric character"
            ),
            "found character that cannot start any token": (
                "found character that cannot start any token"
            ),
            "mapping values are not allowed in this context": (
                "mapping values are not allowed in this context"
            ),
            "mapping values are not allowed here": "mapping values are not allowed here",
            "block sequence entries are not allowed in this context": (
                "block sequence entries are not allowed in this context"
            ),
            "sequence entries are not allowed here": "sequence entries are not allowed here",
            "mapping keys are not allowed here": "mapping keys are not allowed here",
            "could not find expected ':'": "could not find expected ':'",
            "found unexpected end of stream": "found unexpected end of stream",
            "found unknown escape character": "found unknown escape character",
            "found a tab character that violates indentation": (
                "found a tab character that violates indentation"
            ),
            "found a tab character where an indentation space is expected": (
                "found a tab character where an indentation space is expected"
            ),
            "found unexpected document indicator": "found unexpected document indicator",
            "found unexpected document separator": "found unexpected document separator",
            "found undefined tag handle": "found undefined tag handle",
            "expected <block end>": "expected <block end>",
            "expected the node content": "expected the node content",
            "expected ',' or ']'": "expected ',' or ']'",
            "expected alphabetic or numeric character": "expected alphabetic or numeric character",
            "expected a comment or a line break": "expected a comment or a line break",
            "expected '<document start>'": "expected '<document start>'",
            "syntax error": "syntax error",
            "while parsing a block mapping": "while parsing a block mapping",
            "while parsing a block collection": "while parsing a block collection",
            "while parsing a flow sequence": "while parsing a flow sequence",
            "while parsing a flow mapping": "while parsing a flow mapping",
            "while parsing a flow node": "while parsing a flow node",
            "while parsing a block node": "while parsing a block node",
            "while parsing a node": "while parsing a node",
            "while scanning a simple key": "while scanning a simple key",
            "while scanning a quoted scalar": "while scanning a quoted scalar",
            "while scanning a double-quoted scalar": "while scanning a double-quoted scalar",
            "while scanning a plain scalar": "while scanning a plain scalar",
            "while scanning a block scalar": "while scanning a block scalar",
            "while scanning an anchor": "while scanning an anchor",
            "while scanning an alias": "while scanning an alias",
            "while scanning a tag": "while scanning a tag",
            "while parsing a tag": "while parsing a tag",
            "while scanning a directive": "while scanning a directive",
            "while scanning for the next token": "while scanning for the next token",
            "permission denied": "permission denied",
            "file name too long": "file name too long",
            "is a directory": "is a directory",
            "no such file or directory": "no such file or directory",
            "too many levels of symbolic links": "too many levels of symbolic links",
            "not a directory": "not a directory",
            "a symbolic link leads back to itself": "a symbolic link leads back to itself",
            "the path holds a character no file name can": (
                "the path holds a character no file name can"
            ),
            "Permission denied": "Permission denied",
            "File name too long": "File name too long",
            "Is a directory": "Is a directory",
            "No such file or directory": "No such file or directory",
            "decimal": "decimal",
            "hexadecimal": "hexadecimal",
            "octal": "octal",
            "binary": "binary",
            "source code string cannot contain null bytes": (
                "source code string cannot contain null bytes"
            ),
            "Stable id, e.g. auto-dealer.": "Stable id, e.g. auto-dealer.",
            "ISO 4217 code of every amount, e.g. CNY.": "ISO 4217 code of every amount, e.g. CNY.",
            (
                "A machine name: lower-case letters, digits and '_', starting with a letter (e.g. "
                "credit_limit)."
            ): (
                "A machine name: lower-case letters, digits and '_', starting with a letter "
                "(e.g. credit_limit)."
            ),
            "A stable rule id that programs and tests rely on, e.g. P6, CREDIT-LIMIT, V-GP.": (
                "A stable rule id that programs and tests rely on, e.g. P6, CREDIT-LIMIT, V-GP."
            ),
            "Text for people: one string, or one per language (en, zh).": (
                "Text for people: one string, or one per language (en, zh)."
            ),
            "An expression, or a literal number / true / false.": (
                "An expression, or a literal number / true / false."
            ),
            (
                'A number, a percentage such as "15%", or a parameter such as '
                "params.discount_tier_2."
            ): (
                'A number, a percentage such as "15%", or a parameter such as '
                "params.discount_tier_2."
            ),
            "A stable id for the action, e.g. refresh_credit_check.": (
                "A stable id for the action, e.g. refresh_credit_check."
            ),
            "Due so many days after as_of: a whole number or params.x.": (
                "Due so many days after as_of: a whole number or params.x."
            ),
            (
                'A fraction, a percentage such as "30%", or a parameter such as '
                "params.win_negotiation."
            ): (
                'A fraction, a percentage such as "30%", or a parameter such as '
                "params.win_negotiation."
            ),
            "The stage(s) the move starts from; `any` means every stage that is not terminal.": (
                "The stage(s) the move starts from; `any` means every stage that is not terminal."
            ),
        },
        "deal_problems": {
            "not_a_field": "not a field of this playbook",
            "required": "is required",
            "expected": "expected {want}, found {found}",
            "not_one_of": "{found} is not one of: {options}",
            "not_a_date": "{found} is not a valid date (YYYY-MM-DD)",
            "percent_scale": (
                '{value} would be {percent} (did you mean {value}%? write {fraction} or "{value}%")'
            ),
            "percent_below": "{value} ({percent}) is less than the allowed {limit}",
            "percent_above": "{value} ({percent}) is more than the allowed {limit}",
            "below": "{value} is less than the allowed {limit}",
            "not_above": "{value} is not more than the allowed {limit}",
            "above": "{value} is more than the allowed {limit}",
            "not_below": "{value} is not less than the allowed {limit}",
            "text_too_long": "text longer than {limit} characters",
            "too_many_items": "more than {limit} items",
            "expected_percent": 'expected a percentage (0.12 or "12%"), found {found}',
            "expected_written_number": (
                'expected a number (4100000.00 or "4100000.00"), found {found}'
            ),
            "hint": "{problem} ({hint})",
            "did_you_mean": "did you mean '{close}'?",
            "other": "this value is not valid",
            "empty": "the deal is empty",
            "not_an_object": "a deal must be an object ({{...}}) with id, category and stage",
            "stage_not_in_category": "stage '{stage}' is not used by category '{category}'",
            "category_several": (
                "no category is given and {fit} all fit this deal: "
                "give the category (one of {options})"
            ),
            "category_none": (
                "no category is given and the deal is not {ruled} by their conditions: "
                "give the category (one of {options})"
            ),
            "duplicate_key": "duplicate key",
            "text_long": "text is too long",
            "form": "{text}",
        },
    },
    "zh": {
        "lint_codes": {
            "_detail": "{sentence}：{detail}",
            "_hint": "提示：{hint}",
            "_summary": "{files} 中有 {errors} 个错误",
            "alias": "不允许使用 YAML 锚点和别名",
            "arguments": "函数的参数不对",
            "bad-basis": "审批绑定的值无法用于比较",
            "bad-key": "此处不应有这个键",
            "bad-move": "无法进行的阶段推进",
            "bad-name": "名称不合规",
            "bad-number": "无法读取的数字",
            "bad-parameter": "参数的值无效",
            "bad-row": "表中有一行不会匹配任何值",
            "bad-scope": "规则所列类别与其所在位置矛盾",
            "bad-set-path": "测试用例设置了无法设置的值",
            "bad-source": "参数的出处无效",
            "bad-value": "此处不允许这个值",
            "builtin-field": "重复声明了内置的交易字段",
            "category-when": "类别的条件读取了之后才确定的值",
            "duplicate-case": "两个测试用例同名",
            "duplicate-condition": "条件 id 重复使用",
            "duplicate-key": "键重复出现",
            "duplicate-labels": "同名的两组取值都有标签",
            "duplicate-move": "阶段推进重复给出",
            "duplicate-rule": "规则 id 重复使用",
            "duplicate-step": "同一审批链中审批人出现两次",
            "duplicate-version": "版本号重复使用",
            "empty": "内容为空",
            "encoding": "文件不是 UTF-8 文本",
            "expression": "无法检查该表达式",
            "expression-syntax": "无法读取该表达式",
            "expression-too-deep": "表达式嵌套过深",
            "expression-too-long": "表达式过长",
            "fact-cycle": "事实依赖于自身",
            "fact-given": "事实的记录值与其定义不符",
            "fact-order": "事实在算出之前就被使用",
            "include-absolute": "以绝对路径引用文件",
            "include-cycle": "文件互相引用",
            "include-depth": "引用嵌套过深",
            "include-escape": "引用了手册文件夹之外的文件",
            "include-limit": "引用的文件过多",
            "include-missing": "引用的文件不存在",
            "include-no-folder": "引用文件时没有可查找的文件夹",
            "include-unreadable": "系统无法读取所引用的文件",
            "include-url": "从网址引用文件",
            "input": "无法读取该文件",
            "invisible-character": "含有不可见字符",
            "label": "标签未指向任何带标签的取值",
            "look-alike-names": "两个名称看起来一样",
            "message": "无法检查该提示语",
            "misplaced-fields": "fields: 写在了没有意义的地方",
            "misplaced-items": "items: 写在了没有意义的地方",
            "missing-file": "指定的文件不存在",
            "missing-key": "缺少必填的内容",
            "missing-label": "某个取值缺少一种语言的标签",
            "multiple-documents": "文件中有不止一个 YAML 文档",
            "no-stages": "类别没有任何阶段",
            "no-terminal": "没有能结束交易的阶段",
            "no-way-out": "阶段没有向外的推进",
            "no-way-to-end": "交易在这些阶段永远无法结束",
            "not-a-module": "引用的文件不是政策模块",
            "not-a-playbook": "这不是一本手册",
            "not-a-test-file": "这不是测试文件",
            "not-allowed": "表达式中不允许这样写",
            "nothing-to-ask": "规则要求补充的信息其实不会缺失",
            "open-items-move": "有未决事项的交易也能进行这个推进",
            "percent-scale": "百分比的数量级不对",
            "person-compare": "按书写的姓名比较人员",
            "raw-value": "中文提示语直接显示了取值的 id",
            "reserved-name": "使用了保留名称",
            "schema": "手册的结构无效",
            "terminal-exit": "从终止阶段向外推进",
            "test-base": "测试的基准交易在文件夹之外",
            "test-playbook": "测试指向另一本手册",
            "tiers-gap": "表的各行之间有空档",
            "tiers-not-rising": "限额没有逐级上升",
            "tiers-overlap": "表的各行相互重叠",
            "too-deep": "嵌套过深",
            "too-large": "超出大小限制",
            "too-many-cases": "测试用例过多",
            "two-initial": "有两个初始阶段",
            "type": "值的类型不对",
            "unknown-category": "未知的类别",
            "unknown-document": "未知的文件",
            "unknown-function": "未知的函数",
            "unknown-key": "未知的键",
            "unknown-name": "未知的名称",
            "unknown-role": "未知的角色",
            "unknown-stage": "未知的阶段",
            "unknown-tag": "kam 不读取的 YAML 标签",
            "unknown-value": "该值不在允许的取值之中",
            "unreachable-stage": "没有交易能到达的阶段",
            "versions-overlap": "两个版本同时生效",
            "yaml-syntax": "无法读取该 YAML",
        },
        "lint": {
            "unknown": "未知的{what}「{name}」",
            "unknown_parameter": "未知的参数「{name}」",
            "unknown_key": "未知的键「{name}」",
            "required_here": "此处必须填写「{name}」",
            "expected": "此处应为{want}，实际是{found}",
            "not_allowed_here": "此处不允许{found}",
            "not_valid_here": "{found}不是此处的有效值",
            "not_valid_format": "{found}不是有效的{format}",
            "not_valid_name": "「{name}」不是有效的名称",
            "must_not_be_empty": "不能为空",
            "too_long": "过长",
            "param_not_number": "参数「{name}」的值是 {value}，不是数字",
            "param_no_value": "参数「{name}」没有值",
            "should_be": "此处应为{left}，但这是{right}",
            "no_way_out": "阶段「{name}」没有向外的推进，也不是终止阶段",
            "no_way_out_for": (
                "对类别「{category}」而言，阶段「{name}」没有向外的推进，也不是终止阶段"
            ),
            "no_terminal": "没有终止阶段：交易永远无法结束",
            "as_without_for_each": "'as' 是 for_each 中每一项的名称，但这里没有 for_each",
            "not_a_playbook": "手册的最外层必须是映射（键: 值）",
            "ends_after": "表达式在「{word}」之后就结束了：后面还需要内容",
            "not_an_expression": "这不是有效的表达式",
            "needs_role": "「{rule}」需要审批人：请加上 role:",
            "terminal_exit": "「{name}」是终止阶段：不能从它向外推进",
            "duplicate_condition": "条件 id「{name}」重复使用（第 {line} 行已使用）",
            "row_empty": "第 {row} 行不会匹配任何值：它的范围 {range} 是空的",
            "indent": (
                "这一行从第 {column} 列开始，但同一层级的下一行（第 {line} 行）从第 {should} 列开始"
            ),
            "param_not_percent": '参数「{name}」：「{value}」不是像 "15%" 这样的百分比',
            "param_want_percent": '参数「{name}」：此处应为像 "15%" 这样的百分比',
            "param_expected": "参数「{name}」：此处应为{want}，实际是 {value}",
            "param_not_date": "参数「{name}」：「{value}」不是日期（YYYY-MM-DD）",
            "param_want_list": "参数「{name}」：此处应为列表",
            "param_not_days": "参数「{name}」的值是 {value}，不是整数天数",
            "param_beyond": "参数「{name}」的值 {value} 超出了{bound} {limit}",
            "duplicate_key": "键「{name}」重复出现（第 {line} 行已给出）",
            "duplicate_rule": "规则 id「{name}」重复使用（第 {line} 行已使用）",
            "no_field": "{where} 没有字段「{name}」",
            "cannot_compare": "无法比较{left}与{right}",
            "needs_numbers": "「{op}」需要数字，但这是{type}",
            "not_possible_value": "「{name}」不是此处可能的取值",
            "tiers_not_rising": (
                "表「{table}」：第 {row} 行从 {at} 开始，没有高于第 {prev} 行（{prev_at}）"
            ),
            "tiers_open_above": "表「{table}」：第 {row} 行没有上限，因此与第 {next} 行重叠",
            "tiers_open_below": "表「{table}」：第 {row} 行没有下限，因此与第 {prev} 行重叠",
            "tiers_overlap": "表「{table}」：第 {prev} 行与第 {row} 行在 {at} 处重叠",
            "tiers_gap_at": "表「{table}」：值 {high} 本身不匹配任何一行",
            "tiers_gap": "表「{table}」：介于 {low} 和 {high} 之间的值不匹配任何一行",
            "bound_percent_scale": (
                "{key}：{value} 与百分比（{input}）比较：{value} 表示 {percent}"
            ),
            "param_percent_scale": "参数「{name}」是百分比，写成了 {value}，即 {percent}",
            "param_used_as_percent": (
                "参数「{name}」的值是 {value}，但被当作百分比使用（{place}）："
                "{value} 表示 {percent}"
            ),
            # (the words of every diagnostic without words above: issue 11)
            "file_too_large": "文件有 {size} 个字符，上限是 {limit}",
            "cannot_read_yaml": "无法读取该 YAML：{problem}",
            "character_not_allowed": "YAML 文件中不允许出现字符 U+{code}（控制字符或已损坏的字符）",
            "a_character_not_allowed": "YAML 文件中不允许出现这个字符（控制字符或已损坏的字符）",
            "too_deep": "嵌套超过 {limit} 层",
            "yaml_problem": "YAML 写法有误：{format}",
            "yaml_found": "YAML 写法有误：{format}，但这里是 {token}",
            "yaml_got": "YAML 写法有误：{format}，但这里是 {token}",
            "multiple_documents": "文件中有不止一个 YAML 文档",
            "alias": "不允许使用别名（*{name}）",
            "anchor": "不允许使用锚点（&{name}）",
            "too_many_values": "取值超过 {limit} 个",
            "key_plain": "映射的键必须是普通文本",
            "key_not_text": "键 {name} 不是文本",
            "too_many_entries": "一个映射中的条目超过 {limit} 个",
            "too_many_items": "一个列表中的项超过 {limit} 项",
            "unknown_tag": "未知的标签 {name}",
            "text_too_long": "文本超过 {limit} 个字符",
            "not_valid_tagged": "{value} 不是有效的 !!{kind}",
            "number_too_long": "数字 {value}... 过长",
            "number_out_of_range": "数字 {value} 超出范围",
            "not_utf8": "不是有效的 UTF-8 文本（第 {at} 个字节是 0x{byte}）",
            "invisible_character": "不可见或改变文字方向的字符 U+{code}",
            "is_a_folder": "这是文件夹，不是手册文件",
            "file_bytes": "文件有 {size} 字节，上限是 {limit}",
            "cannot_read_file": "无法读取该文件：{format}",
            "playbook_too_large": "手册连同其模块共超过 {limit} 个字符",
            "not_a_module": "「{name}」不是政策模块（没有 'module:' 键）",
            "include_url": "「{name}」是网址：只能引用手册旁边的文件",
            "include_absolute": "「{name}」是绝对路径",
            "include_no_folder": "无法读取「{name}」：手册是以文本给出的，没有可读取的文件夹",
            "include_unreadable": "无法读取「{name}」：{format}",
            "include_escape": "「{name}」指向手册文件夹之外",
            "include_cycle": "文件互相引用：{chain}",
            "include_depth": "引用嵌套超过 {limit} 层",
            "include_limit": (
                "引用总数超过 {limit} 个（每个模块的每次引用都计入，已引用过的文件再次引用也计入）"
            ),
            "include_missing": "「{name}」不存在",
            "expression_too_long": "表达式有 {size} 个字符，上限是 {limit}",
            "expression_empty": "表达式是空的",
            "cannot_read_expression": "无法读取该表达式：{format}",
            "expression_too_deep": "表达式嵌套超过 {limit} 层",
            "python_never_closed": "「{token}」没有闭合",
            "python_unmatched": "「{token}」没有与之配对的左括号",
            "python_mismatched": "右括号「{token}」与左括号「{other}」不配对",
            "python_mismatched_line": "右括号「{token}」与第 {line} 行的左括号「{other}」不配对",
            "python_quote": "引号没有闭合（在第 {line} 行发现）",
            "python_triple_quote": "三引号没有闭合（在第 {line} 行发现）",
            "python_bad_char": "不能使用字符「{token}」（U+{code}）：表达式中的标点请用英文半角",
            "python_literal": "无效的{format}数字写法",
            "python_zeros": "整数不能以 0 开头：请去掉前面的 0",
            "python_unexpected_end": "表达式意外结束",
            "python_other": "无法读取该表达式：{format}",
            "expr_number_out_of_range": "数字 {value} 超出范围",
            "needs_field_name": "「{name}」后面需要字段名，例如 {name}.something",
            "underscore_name": "不允许使用以 '_' 开头的名称（「{name}」）",
            "field_path_start": "字段路径必须以 deal、facts、params 或 stage 开头",
            "fact_order": "事实在算出之前就被使用：{format}",
            "param_no_fields": "参数「{name}」没有字段",
            "as_of_no_fields": "as_of 是日期，没有字段",
            "has_no_field": "{where} 是{type}，没有字段「{name}」",
            "refuse_Lambda": "不允许使用 lambda",
            "refuse_ListComp": "不允许使用列表推导式",
            "refuse_SetComp": "不允许使用集合推导式",
            "refuse_DictComp": "不允许使用字典推导式",
            "refuse_GeneratorExp": "'for' 只能用在 any()、all()、sum()、count()、min()、max() 之内",
            "refuse_Subscript": "不允许用 [...] 取下标",
            "refuse_Dict": "不允许使用 {{...}} 映射",
            "refuse_Set": "不允许使用 {{...}} 集合",
            "refuse_JoinedStr": "不允许使用 f-string",
            "refuse_NamedExpr": "不允许使用 ':='",
            "refuse_Await": "不允许使用 await",
            "refuse_Starred": "不允许使用 '*'",
            "refuse_Slice": "不允许使用切片",
            "refuse_other": "不允许这类表达式（{name}）",
            "only_functions": "只能调用文档中列出的函数",
            "no_named_arguments": "{name}() 不接受具名参数",
            "no_star_arguments": "不允许使用 '*' 参数",
            "no_for": "{name}() 不能带 'for'",
            "usage": "用法：{usage}",
            "needs_a_list": "{name}() 需要列表，而这是{type}",
            "needs_conditions": "{name}() 需要条件（true/false），而这是{type}",
            "fn_needs_numbers": "{name}() 需要数字，而这是{type}",
            "one_for": "只允许一个 'for'",
            "one_if": "请只用一个 'if'，多个条件用 'and' 连接",
            "loop_variable_plain": "循环变量必须是一个简单的名称",
            "loop_variable_taken": "「{name}」不能用作循环变量",
            "for_needs_a_list": "'for' 需要列表，而这是{type}",
            "takes_argument": "{name}() 需要 {count} 个参数：{usage}",
            "takes_arguments": "{name}() 需要 {count} 个参数：{usage}",
            "needs_not": "{what}，而这是{type}",
            "numbers_or_dates": "{name}() 需要同一种类的数字或日期",
            "round_places": "round() 的小数位数须为 0 到 10 的整数",
            "add_days_n": "add_days() 需要整数天数",
            "default_must_be": "默认值必须是{type}",
            "needs_sign_off": "signed_off() 需要签核字段，而这是{type}",
            "chain_status_here": "此处不能使用 chain_status()",
            "must_be_condition": "{what}必须是条件（true/false），但这是{type}",
            "cannot_negate": "无法对{type}取负",
            "operator_not_allowed": "不允许使用运算符「{op}」",
            "cannot_look_for": "无法在{right}中查找{left}",
            "text_in_text": "在文本中只能查找文本",
            "in_needs": "'in' 的右边需要列表或文本，而这是{type}",
            "no_is": "请用 '==' 和 '!='，不要用 'is'",
            "null_compare": "null 只能用 == 或 != 比较",
            "cannot_order": "「{op}」不能比较{type}的大小",
            "person_compare": (
                "「{op}」把人员当作普通文本比较：对它来说，'Li.Na' 或 ' li.na' 都不是 'li.na'"
            ),
            "compared_percent_scale": "{value} 与百分比（{what}）比较：{value} 表示 {percent}",
            "outcomes_differ": "两种结果的类型不同：{left}和{right}",
            "one_kind": "列表中的值必须是同一种类",
            "message_too_long": "提示语超过 {limit} 个字符",
            "message_template": "提示语模板写法有误：{format}",
            "message_number": "提示语中的数字须介于 10**-{limit} 和 10**{limit} 之间",
            "message_percent_sign": "提示语请用过滤器写出数值，不要用 '%'",
            "message_set_block": "提示语中不允许使用 {{% set %}} 块",
            "message_power": "提示语中不允许使用 '**'",
            "message_repeat": "提示语不能用 '*' 重复文本",
            "message_call": "提示语不能调用函数",
            "message_filter": "提示语中不允许使用过滤器「{name}」",
            "names_not_in": "names_not_in 保留前面列表中不属于另一个列表的名称：它只接受一个列表",
            "name_diff": "name_diff 把前面的名称与另一个名称比较：它只接受一个名称",
            "message_node": "提示语中不允许使用「{name}」",
            "message_loops": "提示语中不能在循环里再套循环",
            "message_underscore": "不允许使用以 '_' 开头的名称",
            "message_too_deep": "提示语中括号或运算符的嵌套超过 {limit} 层",
            "filter_arguments": "{name}：提示语中过滤器的参数要逐个给出，不能用 * 或 **",
            "name_the_filter": "{name}：它所用的过滤器请以文本写出，例如 {name}('upper')",
            "name_the_test": "{name}：它所用的判断请以文本写出，例如 {name}('defined')",
            "named_filter": "{name}('{value}')：提示语中不允许使用过滤器「{value}」",
            "named_test": "{name}('{value}')：提示语中不允许使用判断「{value}」",
            "name_the_attribute": "{name}：属性名请以文本写出",
            "size_argument": "{name}：{keyword} 须为 {least} 到 {most} 之间的整数",
            "message_test": "提示语中不允许使用判断「{name}」",
            "test_arguments": "{name}：提示语中判断的参数要逐个给出",
            "label_needs_name": "label 需要给出它所标注的取值的名称",
            "label_no_values": "label('{name}')：没有这个名称的取值带有标签",
            "raw_value": "这条中文提示语把「{name}」的取值按 id 原样显示",
            "unknown_in_message": "提示语中有未知的名称「{name}」",
            "schema_other": "手册的结构无效：{format}",
            "must_be": "必须是 {value}",
            "more_than_one": "{value} 大于 1（100%）",
            "literal_not_allowed": "不允许使用 {name} 字面量",
            "duplicate_step": "「{name}」在审批链「{chain}」中出现了两次",
            "chain_not_rising": "审批链「{chain}」：各步的限额必须逐级上升",
            "chain_no_amount": "审批链「{chain}」有限额，但没有可与之比较的金额",
            "category_when": (
                "类别的 when 只能读取交易字段和参数，不能读取 {names_list}："
                "类别在读入交易时就要确定，早于其他一切"
            ),
            "who_provides": (
                "缺少的文件由谁提供？请加上 document_actions: {{assignee: <角色>, due_in_days: N}}"
            ),
            "value_percent_scale": "{value} 是{what}，因此表示 {percent}",
            "expected_expression": "此处应为表达式（文本）",
            "fact_cycle": "事实「{name}」依赖于自身",
            "fact_cycle_through": "事实「{name}」经由 {names} 依赖于自身",
            "fact_cycle_more": "事实「{name}」经由 {names} 等（另有 {more} 个）依赖于自身",
            "below_zero_number": "below_zero 说明低于 0 的数字怎么表述，但这个事实不是数字",
            "below_zero_value": "below_zero 必须写出数值：在数值的位置写 {{value}}",
            "values_text_facts": "只有文本类的事实才能列出允许的取值",
            "given_deal_field": "事实「{name}」的 given 必须指向交易字段，而不是「{value}」",
            "given_kind": (
                "{value} 是{left}，而事实「{name}」是{right}：记录的值必须能与推算出的值比较"
            ),
            "fact_needs_value": "事实「{name}」需要 value、cases 或 table",
            "message_no_given": (
                "事实「{name}」有提示语却没有 given：提示语是在记录的值与推算出的值不一致时给出的"
                "结论"
            ),
            "given_any_text": "{value} 可以是任意文本，而事实「{name}」只会是 {options} 之一",
            "given_extra": (
                "{value} 可能是 {names}，而事实「{name}」永远不会是这些值（它是 {options} 之一）"
            ),
            "not_fact_value": "「{value}」不是事实「{name}」的取值之一",
            "values_text_fields": "只有文本字段才能列出允许的取值",
            "allow_above_100": "allow_above_100 只用于百分比字段，而这个字段是 type: {kind}",
            "fields_mean_nothing": "「{name}」是 type: {kind}，因此它的 fields: 没有意义",
            "items_mean_nothing": "「{name}」是 type: {kind}，因此它的 items: 没有意义",
            "builtin_field": "「{name}」是交易的内置字段",
            "both_labelled": "事实「{name}」和字段「{name}」的取值都带有标签",
            "field_percent_scale": "{key}：百分比字段上的 {value} 表示 {percent}",
            "basis_kinds": "审批依据「{name}」在这里是{left}，在别处是{right}",
            "missing_label": "「{name}」的取值「{value}」没有{format}标签",
            "fields_beside_list": (
                "列表「{name}」的各项字段写在了 type: list 旁边；列表的各项要在 items: 下描述"
            ),
            "fields_not_declared": (
                "fields: 写在了 type: list 旁边，因此列表「{name}」的各项字段没有声明（它的各项是"
                "没有字段的对象）"
            ),
            "fields_mean_nothing_here": (
                "列表「{name}」在 items: 下描述各项；这里的 fields: 没有意义"
            ),
            "no_stages": "类别「{category}」没有使用任何阶段",
            "two_initial": "初始阶段不止一个（「{name}」和「{other}」）",
            "no_way_to_end": "从阶段 {names_list} 到不了任何终止阶段：交易到了那里就永远无法结束",
            "no_way_to_end_one": (
                "从阶段 {names_list} 到不了任何终止阶段：交易到了那里就永远无法结束"
            ),
            "no_way_to_end_for": (
                "对类别「{category}」而言，从阶段 {names_list} 到不了任何终止阶段："
                "交易到了那里就永远无法结束"
            ),
            "no_way_to_end_one_for": (
                "对类别「{category}」而言，从阶段 {names_list} 到不了任何终止阶段："
                "交易到了那里就永远无法结束"
            ),
            "unreachable": "没有推进通往阶段「{name}」，因此从「{start}」无法到达",
            "unreachable_also": (
                "没有推进通往阶段「{name}」，因此从「{start}」无法到达（只能经由它到达的 "
                "{also_list} 也无法到达）"
            ),
            "unreachable_for": (
                "没有推进通往阶段「{name}」，因此对类别「{category}」而言，从「{start}」无法到达"
            ),
            "unreachable_for_also": (
                "没有推进通往阶段「{name}」，因此对类别「{category}」而言，"
                "从「{start}」无法到达（只能经由它到达的 {also_list} 也无法到达）"
            ),
            "unreachable_into": (
                "只有从无法到达的阶段出发的推进才通往阶段「{name}」，因此从「{start}」无法到达"
            ),
            "unreachable_into_also": (
                "只有从无法到达的阶段出发的推进才通往阶段「{name}」，"
                "因此从「{start}」无法到达（只能经由它到达的 {also_list} 也无法到达）"
            ),
            "unreachable_into_for": (
                "只有从无法到达的阶段出发的推进才通往阶段「{name}」，"
                "因此对类别「{category}」而言，从「{start}」无法到达"
            ),
            "unreachable_into_for_also": (
                "只有从无法到达的阶段出发的推进才通往阶段「{name}」，"
                "因此对类别「{category}」而言，从「{start}」无法到达（只能经由它到达的 "
                "{also_list} 也无法到达）"
            ),
            "look_alike": (
                "{what}「{name}」看起来像{what}「{other}」（第 {line} 行）："
                "两者只差在长得像的字符上（O 和 0、l 和 1、大小写）"
            ),
            "open_items_move": (
                "推进 {names} -> {name} 通往后面的阶段，"
                "但被阻止或还在等待审批的交易仍可进行这个推进"
            ),
            "duplicate_move": "推进 {name} -> {other} 重复给出（第 {line} 行已给出）",
            "move_to_itself": "从「{name}」推进到它自己",
            "no_category_both": "没有哪个类别同时使用「{name}」和「{other}」",
            "expected_bound": (
                '{what}：此处应为数字、像 "15%" 这样的百分比或 params.<名称>，实际是「{value}」'
            ),
            "unknown_source": "参数「{name}」：未知的出处「{value}」",
            "source_no_value": "参数「{name}」：出处没有值",
            "unknown_source_kind": "参数「{name}」：未知的出处类型「{value}」",
            "guide_language": (
                "参数「{name}」：出处 guide 中有「{value}」的文字，而这不是手册使用的语言"
            ),
            "guide_where": "参数「{name}」：出处 guide 没有说明该数字出自指引的哪一处",
            "must_be_number": "{what}必须是数字",
            "not_whole_days": "「{value}」不是整数天数",
            "nothing_to_ask": "「{name}」要求补充缺失的信息，但它的条件没有读取任何可能缺失的值",
            "rule_not_approval": "「{name}」不是审批：basis 用于说明审批所绑定的值",
            "basis_not_ordered": "审批依据「{name}」是{type}：审批只能绑定到能比较大小的值",
            "bad_scope": "规则「{name}」写在类别「{category}」之下，却列出了其他类别",
            "needs_action": "「{name}」需要一个动作：请加上 action: {{id, assignee}}",
            "due_in_days": "表中一行的动作以天数计期限：请用 due_in_days",
            "win_probability": "赢单概率 {value} 不在 0% 到 100% 之间",
            "reserved_stage": "「{name}」不能用作阶段名称",
            "table_not_approval": "「{name}」不是审批表：basis 用于说明审批所绑定的值",
            "basis_taken": "「{name}」已经是表的输入所绑定的名称",
            "row_bounds": "每行最多有一个下限（above 或 from）和一个上限（up_to 或 below）",
            "row_never_below": (
                "第 {row} 行不会匹配任何值：{input} 从不低于 {limit}（其字段允许的最小值）"
            ),
            "row_never_above": (
                "第 {row} 行不会匹配任何值：{input} 从不高于 {limit}（其字段允许的最大值）"
            ),
            "row_needs_value": "事实表的每一行都需要 value",
            "too_many_rules": "有 {count} 条规则，上限是 {limit} 条",
            "too_many_stages": "有 {count} 个阶段，上限是 {limit} 个",
            "too_many_categories": "有 {count} 个类别，上限是 {limit} 个",
            "too_many_moves": "把 'from: any' 和阶段列表展开后有 {count} 个推进，上限是 {limit} 个",
            "fact_percent_scale": "{value} 是百分比事实「{name}」的值，因此表示 {percent}",
        },
        "lint_hints": {
            "did_you_mean": "是不是「{close}」？",
            "unknown-role": "请在 roles: 下声明",
            "unknown-document": "请在 documents: 下声明",
            "known_stage": "已有的阶段：{known}",
            "known_category": "已有的类别：{known}",
            "known_stages": "已有的阶段：{known}",
            "known_categorys": "已有的类别：{known}",
            "param_not_number": "第 {line} 行把它当作数字使用",
            "param_not_days": "第 {line} 行把它当作整数天数使用",
            "duplicate_key": "每个键只能出现一次：删除或重命名其中一个",
            "duplicate_rule": "每条规则和每张表都需要自己的 id",
            "quote_it": "请加上引号",
            "param_forms": '百分比写作 "15%"；日期写作 YYYY-MM-DD',
            "terminal_exit": "删除这个推进，或去掉「{name}」的 terminal",
            "no_way_out": "请加上从它向外的推进，或标记 terminal: true",
            "no_terminal": "请用 terminal: true 标记结束阶段（赢单、丢单……）",
            "not_a_playbook": "文件请以 'kam: 1' 和 'id: ...' 开头",
            "ends_after": "请补全或删除最后一部分",
            "not_closed": "请检查每个 '(' 和 '[' 以及每个引号是否都已闭合",
            "not_an_expression": "比较用 '=='，连接条件用 'and' / 'or'；文本要加引号",
            "roles": "可用的角色：{roles}",
            "duplicate_condition": (
                "每个条件都需要自己的 id；要把同一条件用于多个推进，"
                "请在一个推进中列出各阶段：from: [a, b]"
            ),
            "indent": (
                "同一映射的键（以及同一列表的各项）须从同一列开始：请让这一行从第 {should} 列开始"
            ),
            "declare_fact": "请在 facts: 下声明",
            "declare_parameter": "请在 parameters: 下声明",
            "quotes_are_text": "加了引号的数字是文本：写 5，不要写 '5'",
            "date_arithmetic": "日期请用 days_between(a, b) 或 add_days(d, n)",
            "possible": "可能的取值：{options}",
            "allowed_keys": "可用的键：{keys}",
            "use_one_of": "请使用其中之一：{options}",
            "tiers_not_rising": "各档请从低到高排列",
            "tiers_open_above": "请给第 {row} 行加上 up_to 或 below",
            "tiers_open_below": "请从第 {prev} 行结束处开始",
            "tiers_start": "第 {row} 行请以 {start}: {bound} 开始",
            "percent_meant": "是不是 {value}%？",
            "param_percent_scale": (
                "是不是 {value}%？请写 value: {value}%（如果本意如此，也可写 {percent}）"
            ),
            "write_percent": "是不是 {value}%？请写 value: {value}%",
            "dates": "日期写作 YYYY-MM-DD",
            # (hints of the diagnostics worded for issue 11)
            "split_or_raise": "请拆分成几个模块，或调高上限",
            "delete_character": "请删除它；如果文件来自其他程序，请重新存为纯文本",
            "flatten": "请减少嵌套层级",
            "yaml_context": "{what}从第 {line} 行第 {column} 列开始",
            "no_tabs": "请用空格缩进，不要用制表符",
            "colon": "请检查缩进；含有 ': ' 的值请加引号",
            "same_column": "请检查缩进：同一映射的键必须从同一列开始",
            "one_document": "每个文件只放一个文档（删除第二个 '---'）",
            "write_out": "请把值完整写出来",
            "quote_key": "请加上引号：'{value}'",
            "no_tags": "手册和交易中不允许使用标签：请删除",
            "save_utf8": "请把文件另存为 UTF-8",
            "delete_invisible": "请删除它：这类字符会让两个名称看起来一样，或把文字藏起来",
            "split_modules": "请拆分成几个模块",
            "few_thousand_lines": "一本手册连同其模块最多几千行",
            "extends_not_include": "手册的新版本要用 'extends:' 在旧版本上修改，而不是 'include:'",
            "relative_path": "请给出相对于本文件的路径，且在手册文件夹之内",
            "pass_folder": (
                "请给 loads_playbook(text, folder=...) 传入引用路径所相对的文件夹，或改用 "
                "load_playbook(path)"
            ),
            "check_path": "请检查路径及其大小写",
            "modules_under": "模块必须放在 {folder}/ 之下",
            "remove_include": "请删除其中一个引用",
            "include_once": "每个模块只从手册引用一次",
            "split_into_facts": "请拆分成几个事实",
            "number_range": "请写一个最多 {limit} 位、介于 1e{low} 和 1e{high} 之间的数字",
            "start_name_with": "名称请以其中之一开头：{known}",
            "look_into_items": "要查看列表中的每一项，请用 any(... for x in list)",
            "declared_fields": "已声明的字段：{known}",
            "no_declared_fields": "没有已声明的字段",
            "refuse_Subscript": (
                "要查看列表中的各项，请用 any(...)、all(...) 或 sum(... for x in list)"
            ),
            "refuse_GeneratorExp": "例如：any(line.quantity > 5 for line in deal.lines)",
            "functions": "可用的函数：{known}",
            "usage": "用法：{usage}",
            "declare_sign_off": "请用 type: sign_off 声明该字段（它记录 by、role 和 on）",
            "chains_later": "事实和审批链在审批链状态之前就已算出",
            "declare_chain": "请在 approval_chains: 下声明",
            "test_a_list": "检查列表请用 len(x) > 0 或 any(...)",
            "compare_it": "请把它拿来比较：== , != , < , > ……",
            "allowed_operators": "可用的运算符：+ - * /",
            "same_person": "比较人员请用 same_person(a, b)",
            "same_person_not": "比较人员请用 same_person(a, b)（'!=' 请写 not same_person(a, b)）",
            "templates_use": "模板写法：{{{{ value }}}} 和 {{% if %}}...{{% endif %}}",
            "message_filters": "请写 {{{{ value | number(2) }}}}、{{{{ value | pct }}}}",
            "set_in_one_line": "请在一行中设值：{{% set name = deal.customer.name %}}",
            "use_filters": "请改用过滤器：{{{{ value | pct }}}}",
            "filters": "可用的过滤器：{known}",
            "tests": "可用的判断：{known}",
            "names_not_in": (
                "例如 {{{{ deal.using_units | names_not_in(deal.subordinate_units) }}}}"
            ),
            "name_diff": "例如 {{{{ deal.contract_customer | name_diff(deal.invoice_customer) }}}}",
            "one_list": "只列出一个列表的各项，其余的用文字说明",
            "set_a_part": "请先把一部分设为变量：{{% set share = deal.amount / params.budget %}}",
            "size_argument": "提示语是给人看的：{keyword} 从来不需要超过 {most}",
            "label_example": "例如 label('{name}')：事实的名称或字段的路径",
            "give_labels": "请给取值加上标签：values: {{id: {{en: ..., zh: ...}}}}",
            "write_label": "请用它的标签显示：| label('{name}')",
            "names": "可用的名称：{known}",
            "name_chars": "请用小写字母、数字和 '_'，并以字母开头",
            "number_or_param": '请写数字、像 "15%" 这样的百分比，或 params.<名称>',
            "id_chars": "请用字母、数字和 _ . : -，并以字母开头",
            "must_match": "它必须符合 {pattern}",
            "described": "{format}",
            "once_per_round": "每位审批人每轮只审批一次",
            "later_approves_more": "后面的审批人批准的额度要比前面的大",
            "add_amount": "请加上 amount: facts.amount（或其他数字）",
            "category_when": "请用 deal.<字段> 写条件（必要时直接写事实本身的表达式）",
            "fact_cycle": "事实只能使用不依赖于它的事实",
            "remove_below_zero": "请删除 below_zero:",
            "below_zero_example": (
                '例如 below_zero: {{en: "{{value}} above list price", zh: "高于指导价 {{value}}"}}'
            ),
            "add_type_string": "请加上 type: string",
            "given_example": "例如 given: deal.customer.key_account_class（由人记录该值的地方）",
            "given_kind": "请给出 type 为 {kind} 的交易字段",
            "define_in_playbook": "请在手册中定义（模块可以把事实留给手册来定义）",
            "fact_value_example": "例如 value: sum(line.quantity for line in deal.lines)",
            "add_given": "请加上 given: deal.<字段>（记录该值的字段），或删除提示语",
            "declare_values": "请在该字段上声明 values: [{options}]",
            "same_values": "请让字段的取值与事实的取值一致",
            "remove_it": "请删除它",
            "make_object": "请改为 type: object，或删除 fields:",
            "make_list": "请改为 type: list，或删除 items:",
            "builtin_field": (
                "请删除它：id、category、stage、owner、documents、approvals 和 history 始终存在"
            ),
            "rename_fact": "提示语中的 label('...') 只能指其中一个：请重命名这个事实",
            "field_percent_scale": (
                "是不是 {value}%？百分比字段的上下限写成小数：{key}: {fraction}（或加上 "
                "allow_above_100: true）"
            ),
            "different_names": "请给这两个值起不同的名称：交易中每个名称只记录一个值",
            "missing_label": (
                "请写成 {{en: ..., zh: ...}}：手册的标题也有{format}，"
                "因此提示语会用{format}显示这个值"
            ),
            "fields_beside_list": "请把它们放到 items: {{type: object, fields: ...}} 之下",
            "fields_not_declared": "请把 fields: 缩进到 items: 之下，与它的 type: object 并列",
            "fields_mean_nothing_here": "请删除 fields:，或把它们移到 items: 之下",
            "no_way_to_end": (
                "请从其中一个阶段加上通往终止阶段的推进，例如 - {{from: {name}, to: {other}}}"
            ),
            "add_move_from": (
                "要不要加上从「{other}」到「{name}」的推进？例如 - {{from: {other}, to: {name}}}"
            ),
            "add_move_into": "请加上通往它的推进，或删除它",
            "look_alike": "请重命名其中一个，免得有人把「{name}」当成「{other}」",
            "open_items_move": (
                "请加上 'all_clear: true'，或说明为什么未决事项可以带着往下走：allow_open_items: "
                '"<原因>"'
            ),
            "check_categories": "请检查这两个阶段所属的类别",
            "source_forms": (
                '请写 source: company（公司自定的设置），或 source: {{guide: "000 '
                '§商务规定及政策"}}（数字出自哪份资料的哪一处）'
            ),
            "company_no_reference": "company 不需要引用：请写 source: company",
            "guide_languages": "请按每种语言写成 {{guide: {{en: ..., zh: ...}}}}",
            "guide_where": (
                '请写出文件和具体位置，例如 {{guide: "000 §商务规定及政策"}}，或按每种语言写：'
                "{{guide: {{en: ..., zh: ...}}}}"
            ),
            "nothing_to_ask": (
                "on_missing: ask 会列出需要记录的交易字段：请不用 if_missing() 直接读取一个字段，"
                "或改用 on_missing: warn"
            ),
            "rule_not_approval": "请删除 basis:，或把规则改为 then: approval",
            "bind_to": "请绑定到数字、金额、百分比或日期",
            "any_means": "transitions 中的 'any' 表示所有未结束的阶段",
            "table_not_approval": "请删除 basis:，或把表改为 then: approval",
            "another_name": "请给这个值换个名称",
            "check_bound": "请检查上下限的正负号和数量级，或字段的最小值和最大值",
            "too_many_rules": "请按业务线拆分手册",
            "too_many_stages": "销售流程通常只有几个阶段",
            "too_many_categories": "请把客户归入更少的类别",
            "too_many_moves": (
                "'from: any' 的推进按每个阶段各算一次：请只写出真正会从那里出发的几个阶段"
            ),
        },
        "lint_words": {
            "or": "或",
            "role": "角色",
            "stage": "阶段",
            "document": "文件",
            "category": "类别",
            "fact": "事实",
            "parameter": "参数",
            "name": "名称",
            "type_number": "数字",
            "type_integer": "整数",
            "type_money": "金额",
            "type_percent": "百分比",
            "type_string": "文本",
            "type_bool": "是非值（true/false）",
            "type_date": "日期",
            "type_object": "对象",
            "type_null": "null",
            "type_any": "任意值",
            "date": "日期",
            "minimum": "下限",
            "maximum": "上限",
            "want_string": "文本",
            "want_integer": "整数",
            "want_number": "数字",
            "want_boolean": "true 或 false",
            "want_object": "映射（键: 值）",
            "want_array": "列表",
            "want_null": "空值",
            "found_bool": "true/false",
            "found_number": "数字 {value}",
            "found_text": "文本「{value}」",
            "found_mapping": "映射",
            "found_list": "列表",
            "found_empty": "空值",
            # kinds, and the fixed phrases of PyYAML, Python, the OS and the schema's
            # descriptions a message names (``what``/``format``): said in every language
            "type_list": "列表",
            "type_list_of": "列表（每项为{item}）",
            "type_one_of": "{options} 之一",
            "function": "函数",
            "approval chain": "审批链",
            "len() needs a list or text": "len() 需要列表或文本",
            "abs() needs a number": "abs() 需要数字",
            "round() needs a number": "round() 需要数字",
            "days_between() needs dates": "days_between() 需要日期",
            "add_days() needs a date first": "add_days() 的第一个参数须为日期",
            "lower() needs text": "lower() 需要文本",
            "upper() needs text": "upper() 需要文本",
            "same_name() compares two texts": "same_name() 比较两段文本",
            "same_person() compares two recorded names": "same_person() 比较两个记录下的姓名",
            "each side of 'and'": "'and' 的两边",
            "each side of 'or'": "'or' 的两边",
            "'not'": "'not' 后面的部分",
            "the test of 'if'": "'if' 的判断",
            "the 'if' of 'for'": "'for' 中的 'if'",
            "a percentage": "百分比",
            "list_sep": "、",
            "list_and": "{head}和{last}",
            "list_more": "另外 {count} 个",
            "Chinese": "中文",
            "English": "英文",
            "limit": "限额",
            "win probability": "赢单概率",
            "did not find expected key": "找不到应有的键",
            "did not find expected '-' indicator": "找不到应有的列表项标记 '-'",
            "did not find expected node content": "找不到应有的值",
            "did not find expected ',' or ']'": "找不到应有的 ',' 或 ']'",
            "did not find expected comment or line break": "这里应当是注释或换行",
            "did not find expected whitespace or line break": "这里应当是空格或换行",
            "did not find expected alphabetic or numeric character": "这里应当是字母或数字",
            "found character that cannot start any token": "出现了不能作为开头的字符",
            "mapping values are not allowed in this context": (
                "此处不能写映射的值（多了一个冒号，或缩进不对）"
            ),
            "mapping values are not allowed here": "此处不能写映射的值（多了一个冒号，或缩进不对）",
            "block sequence entries are not allowed in this context": "此处不能写列表项",
            "sequence entries are not allowed here": "此处不能写列表项",
            "mapping keys are not allowed here": "此处不能写映射的键",
            "could not find expected ':'": "找不到应有的 ':'",
            "found unexpected end of stream": "文件意外结束（引号或括号没有闭合）",
            "found unknown escape character": "出现了未知的转义字符",
            "found a tab character that violates indentation": "制表符破坏了缩进",
            "found a tab character where an indentation space is expected": (
                "应当用空格缩进的地方出现了制表符"
            ),
            "found unexpected document indicator": "出现了意外的文档分隔符",
            "found unexpected document separator": "出现了意外的文档分隔符",
            "found undefined tag handle": "出现了未定义的标签",
            "expected <block end>": "这里应当是一个块的结尾",
            "expected the node content": "这里应当是一个值",
            "expected ',' or ']'": "这里应当是 ',' 或 ']'",
            "expected alphabetic or numeric character": "这里应当是字母或数字",
            "expected a comment or a line break": "这里应当是注释或换行",
            "expected '<document start>'": "这里应当是文档的开头",
            "syntax error": "语法错误",
            "while parsing a block mapping": "问题所在的映射",
            "while parsing a block collection": "问题所在的列表",
            "while parsing a flow sequence": "问题所在的方括号列表",
            "while parsing a flow mapping": "问题所在的花括号映射",
            "while parsing a flow node": "问题所在的值",
            "while parsing a block node": "问题所在的值",
            "while parsing a node": "问题所在的值",
            "while scanning a simple key": "问题所在的键",
            "while scanning a quoted scalar": "问题所在的带引号文本",
            "while scanning a double-quoted scalar": "问题所在的双引号文本",
            "while scanning a plain scalar": "问题所在的文本",
            "while scanning a block scalar": "问题所在的多行文本",
            "while scanning an anchor": "问题所在的锚点",
            "while scanning an alias": "问题所在的别名",
            "while scanning a tag": "问题所在的标签",
            "while parsing a tag": "问题所在的标签",
            "while scanning a directive": "问题所在的指令",
            "while scanning for the next token": "问题所在的内容",
            "permission denied": "没有访问权限",
            "file name too long": "文件名过长",
            "is a directory": "这是一个文件夹",
            "no such file or directory": "文件或文件夹不存在",
            "too many levels of symbolic links": "符号链接层数过多",
            "not a directory": "路径中有一段不是文件夹",
            "a symbolic link leads back to itself": "符号链接又指回了自己",
            "the path holds a character no file name can": "路径中有文件名不能包含的字符",
            "Permission denied": "没有访问权限",
            "File name too long": "文件名过长",
            "Is a directory": "这是一个文件夹",
            "No such file or directory": "文件或文件夹不存在",
            "decimal": "十进制",
            "hexadecimal": "十六进制",
            "octal": "八进制",
            "binary": "二进制",
            "source code string cannot contain null bytes": "表达式中不能含有空字符",
            "Stable id, e.g. auto-dealer.": "固定不变的 id，例如 auto-dealer。",
            "ISO 4217 code of every amount, e.g. CNY.": "所有金额的 ISO 4217 币种代码，例如 CNY。",
            (
                "A machine name: lower-case letters, digits and '_', starting with a letter (e.g. "
                "credit_limit)."
            ): ("程序用的名称：小写字母、数字和 '_'，以字母开头（例如 credit_limit）。"),
            "A stable rule id that programs and tests rely on, e.g. P6, CREDIT-LIMIT, V-GP.": (
                "程序和测试所依赖的固定规则 id，例如 P6、CREDIT-LIMIT、V-GP。"
            ),
            "Text for people: one string, or one per language (en, zh).": (
                "给人看的文字：一段文本，或每种语言一段（en、zh）。"
            ),
            "An expression, or a literal number / true / false.": (
                "一个表达式，或直接写数字 / true / false。"
            ),
            (
                'A number, a percentage such as "15%", or a parameter such as '
                "params.discount_tier_2."
            ): ('数字、像 "15%" 这样的百分比，或像 params.discount_tier_2 这样的参数。'),
            "A stable id for the action, e.g. refresh_credit_check.": (
                "动作的固定 id，例如 refresh_credit_check。"
            ),
            "Due so many days after as_of: a whole number or params.x.": (
                "在 as_of 之后多少天到期：整数或 params.x。"
            ),
            (
                'A fraction, a percentage such as "30%", or a parameter such as '
                "params.win_negotiation."
            ): ('小数、像 "30%" 这样的百分比，或像 params.win_negotiation 这样的参数。'),
            "The stage(s) the move starts from; `any` means every stage that is not terminal.": (
                "推进的起始阶段；`any` 表示所有非终止阶段。"
            ),
        },
        "deal_problems": {
            "not_a_field": "本手册没有这个字段",
            "required": "必须填写",
            "expected": "此处应为{want}，实际是{found}",
            "not_one_of": "{found} 不在可选值之中：{options}",
            "not_a_date": "{found} 不是有效日期（YYYY-MM-DD）",
            "percent_scale": (
                '{value} 表示 {percent}（是不是 {value}%？请写 {fraction} 或 "{value}%"）'
            ),
            "percent_below": "{value}（{percent}）低于允许的 {limit}",
            "percent_above": "{value}（{percent}）高于允许的 {limit}",
            "below": "{value} 低于允许的 {limit}",
            "not_above": "{value} 未高于允许的 {limit}",
            "above": "{value} 高于允许的 {limit}",
            "not_below": "{value} 未低于允许的 {limit}",
            "text_too_long": "文本超过 {limit} 个字符",
            "too_many_items": "超过 {limit} 项",
            "expected_percent": '此处应为百分比（0.12 或 "12%"），实际是{found}',
            "expected_written_number": '此处应为数字（4100000.00 或 "4100000.00"），实际是{found}',
            "hint": "{problem}（{hint}）",
            "did_you_mean": "是不是「{close}」？",
            "other": "该值无效",
            "empty": "交易内容为空",
            "not_an_object": "交易必须是一个对象（{{...}}），包含 id、category 和 stage",
            "stage_not_in_category": "类别「{category}」不使用阶段「{stage}」",
            "category_several": "未给出类别，而 {fit} 都符合这笔交易：请给出类别（{options} 之一）",
            "category_none": (
                "未给出类别，按各类别的条件这笔交易也不属于 {ruled}：请给出类别（{options} 之一）"
            ),
            "duplicate_key": "键重复出现",
            "text_long": "文本过长",
            "form": "{text}",
        },
    },
}
