"""`in` on integer columns leaves out numbers the database cannot hold.

Django already answers "nothing" for `=`, `<` and `>` with a number beyond a column's range
(IntegerFieldOverflow), but not for `in`: on SQLite, `?sdg=9223372036854775808` in an API filter
or a pasted 20-digit id in a form's multiple choice raised OverflowError, a 500 (issue 14, item
10). Such a number matches no row, so it is dropped from the list, and a list left empty
matches nothing, as Django's `in` does with an empty list. Registered for every integer field
(ids included) by CoreConfig.ready.
"""

from __future__ import annotations

from typing import Any

from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
