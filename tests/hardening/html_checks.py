"""Parse-based checks on HTML: what a browser would run, not what a string search happens to find."""

from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.script_bodies: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_script = tag == "script"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        (self.script_bodies if self._in_script else self.text).append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def live_code(html: str) -> list[str]:
    """Inline scripts and event-handler attributes: markup that runs."""
    page = parse(html)
    found = [f"<script> body: {body.strip()[:60]}" for body in page.script_bodies if body.strip()]
    for tag, attrs in page.tags:
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            found.append("<script> without src")
        found += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
    return found


def inline_code(html: str) -> list[str]:
    """Everything the CSP blocks: live code and style="" attributes."""
    styled = [f"<{tag} style=…>" for tag, attrs in parse(html).tags if "style" in attrs]
    return live_code(html) + styled


def dangerous_urls(html: str) -> list[str]:
    """URL attributes a click or load would run as script."""
    page = parse(html)
    found = []
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            scheme = "".join(value.split()).lower()
            if name in URL_ATTRIBUTES and scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"<{tag} {name}={value!r}>")
    return found
