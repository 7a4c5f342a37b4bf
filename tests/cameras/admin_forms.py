"""Read a rendered Django admin form the way a browser submits it: every input's current value."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str] = {}
        self.inputs: dict[str, dict] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.inputs[name] = attrs
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.inputs[name] = attrs
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self.values[self._select] = value
        elif tag == "textarea" and name:
            self.inputs[name] = attrs
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None


def read_form(html: str, form_id: str = "camera_form") -> tuple[dict[str, str], dict[str, dict]]:
    """(what submitting the form unchanged would post, the attributes of each named input)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.inputs, f"no form with id {form_id!r} in the page"
    return reader.values, reader.inputs


def submit(values: dict[str, str], **changes) -> dict[str, str]:
    """The form's values with some inputs typed in; `None` unticks a checkbox (browsers omit it)."""
    data = dict(values)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data
