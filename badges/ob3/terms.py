"""Find the parts of a JSON-LD document that no context defines.

JSON-LD expansion silently drops a key that no context defines, and RDF conversion silently drops a
relative IRI (an undefined `type` value, an `id` that is not an absolute IRI). Dropped data is not
covered by the signature, and standard verifiers (safe mode) reject such a document. The signer
refuses to sign while `dropped_terms()` reports anything.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from pyld import jsonld

from badges.ob3.loader import ContextReusingProcessor, PinnedDocumentLoader, document_loader

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ID_KEYS = ("id", "@id")
_TYPE_KEYS = ("type", "@type")


def dropped_terms(document: dict[str, Any], *, loader: PinnedDocumentLoader | None = None) -> list[str]:
    """Every key path (`credentialSubject.achievement.foo`, `evidence[0].bar`) that would be dropped.

    Also reports undefined `type` values and relative `id` values, as `issuer.type: 'Weird'`.
    An empty list means that the whole document is covered by the contexts.
    """
    loader = loader or document_loader()
    dropped_keys: list[str | None] = []
    processor = ContextReusingProcessor(on_property_dropped=dropped_keys.append)
    # base None keeps relative IRIs relative (pyld would otherwise resolve them against example.org).
    expanded = processor.expand(document, loader.options(base=None))
    problems: list[str] = []

    if dropped_keys:
        compacted = jsonld.compact(expanded, {"@context": document.get("@context", {})}, loader.options())
        missing: list[str] = []
        _missing_keys(document, compacted, "", missing)
        names = set(dropped_keys)
        # The paths come from comparing with a compacted copy; the names, from the JSON-LD
        # processor itself. Keep the paths the processor confirms, and every name it reported.
        confirmed = [path for path in missing if None in names or _last_key(path) in names]
        problems.extend(confirmed)
        reported = {_last_key(path) for path in confirmed}
        problems.extend(f"{name} (dropped)" for name in sorted(n for n in names if n and n not in reported))

    for kind, value in _relative_iris(expanded):
        problems.extend(_value_paths(document, kind, value) or [f"{kind}: {value!r}"])
    return list(dict.fromkeys(problems))


def dropped_terms_by_shape(document: dict[str, Any], *, loader: PinnedDocumentLoader | None = None) -> list[str]:
    """`dropped_terms`, but a document whose shape was already found clean is not expanded again.

    For the signer: every credential of one badge class has the same shape (keys, types, which values
    are IRIs), so the JSON-LD check runs once per badge class instead of once per award. A document
    with problems is checked in full every time, so it is always refused with its own paths.
    """
    loader = loader or document_loader()
    shape = document_shape(document, loader=loader)
    if shape is not None and loader.shape_is_clean(shape):
        return []
    problems = dropped_terms(document, loader=loader)
    if not problems and shape is not None:
        loader.remember_clean_shape(shape)
    return problems


def document_shape(document: dict[str, Any], *, loader: PinnedDocumentLoader) -> str | None:
    """A hash of everything `dropped_terms` depends on; None when the document defines contexts inline.

    Kept: the `@context` URLs, every key, list lengths, the values of keys that hold terms (`type`, and
    `@vocab`-typed properties). Every other string only counts as an IRI (absolute or blank node) or not.
    """
    context = document.get("@context")
    urls = context if isinstance(context, list) else [context]
    if not all(isinstance(url, str) for url in urls):
        return None
    term_keys = loader.term_valued_keys

    def shape(node: Any, key: str | None) -> Any:
        if isinstance(node, dict):
            return {name: shape(value, name) for name, value in node.items() if name != "@context"}
        if isinstance(node, list):
            return [shape(item, key) for item in node]
        if isinstance(node, str):
            if key in term_keys:
                return node
            return "\u0000iri" if _is_iri_or_blank(node) else "\u0000text"
        return f"\u0000{type(node).__name__}"

    encoded = json.dumps([urls, shape(document, None)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _last_key(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]


def _missing_keys(original: Any, compacted: Any, path: str, out: list[str]) -> None:
    if isinstance(original, dict):
        if not isinstance(compacted, dict):
            # A node holding only an id compacts to the id string.
            if not isinstance(compacted, str) or not set(original) <= {*_ID_KEYS, "@context"}:
                out.append(path or "(document)")
            return
        for key, value in original.items():
            if key == "@context" or value is None or value == []:
                continue
            if key not in compacted:
                out.append(_join(path, key))
            else:
                _missing_keys(value, compacted[key], _join(path, key), out)
    elif isinstance(original, list):
        items = [item for item in original if item is not None]
        kept = compacted if isinstance(compacted, list) else [compacted]
        if len(items) != len(kept):
            out.append(path)
            return
        for index, (item, compacted_item) in enumerate(zip(items, kept, strict=True)):
            _missing_keys(item, compacted_item, f"{path}[{index}]", out)


def _relative_iris(expanded: Any) -> list[tuple[str, str]]:
    """(`type` or `id`, value) for each IRI that RDF conversion would drop as relative."""
    found: list[tuple[str, str]] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key == "@type" and "@value" not in node:
                    for type_iri in value if isinstance(value, list) else [value]:
                        if isinstance(type_iri, str) and not _is_iri_or_blank(type_iri):
                            found.append(("type", type_iri))
                elif key == "@type" and isinstance(value, str) and value != "@json":
                    if not _is_iri_or_blank(value):
                        found.append(("type", value))
                elif key == "@id" and isinstance(value, str) and not _is_iri_or_blank(value):
                    found.append(("id", value))
                else:
                    visit(value)

    visit(expanded)
    return found


def _is_iri_or_blank(value: str) -> bool:
    return value.startswith("_:") or bool(_ABSOLUTE_IRI.match(value))


def _value_paths(document: Any, kind: str, value: str) -> list[str]:
    """Paths in the original document where `value` appears as a type, or as an id-like string."""
    paths: list[str] = []

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                if key == "@context":
                    continue
                child = _join(path, key)
                if kind == "type" and key in _TYPE_KEYS:
                    if value == item or (isinstance(item, list) and value in item):
                        paths.append(f"{child}: {value!r}")
                elif kind == "id" and item == value:
                    paths.append(f"{child}: {value!r}")
                else:
                    visit(item, child)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if kind == "id" and item == value:
                    paths.append(f"{path}[{index}]: {value!r}")
                else:
                    visit(item, f"{path}[{index}]")

    visit(document, "")
    return paths
