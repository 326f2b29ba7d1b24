"""Reads a PROV-JSON file with the reference `prov` package and prints what it understood as JSON:
record counts per PROV type, every element's attributes with their Python types, every relation's
formal attributes, and every warning the reader raised (prov warns about what it will reject)."""
import datetime
import json
import sys
import warnings

import prov
from prov.identifier import QualifiedName
from prov.model import Literal, ProvElement, ProvRelation


def value(v):
    if isinstance(v, Literal):
        return {"literal": str(v.value), "datatype": str(v.datatype.uri) if v.datatype is not None else None}
    if isinstance(v, QualifiedName):
        return {"qname": v.uri}
    if isinstance(v, datetime.datetime):
        return {"datetime": v.isoformat()}
    return {"py": type(v).__name__, "value": v}


def main(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = prov.read(path, format="json")
        records = list(doc.get_records())
        for b in doc.bundles:
            records.extend(b.get_records())
    counts, elements, relations = {}, {}, []
    for r in records:
        kind = type(r).__name__
        counts[kind] = counts.get(kind, 0) + 1
        if isinstance(r, ProvElement):
            attrs = {}
            for k, v in r.attributes:
                attrs.setdefault(k.uri, []).append(value(v))
            elements[r.identifier.uri] = {"kind": kind, "attributes": attrs}
        elif isinstance(r, ProvRelation):
            formal = {k.uri if hasattr(k, "uri") else str(k): (v.uri if hasattr(v, "uri") else str(v))
                      for k, v in r.formal_attributes if v is not None}
            extra = {k.uri: value(v) for k, v in r.extra_attributes}
            relations.append({"kind": kind, "formal": formal, "extra": extra})
    print(json.dumps({
        "counts": counts,
        "elements": elements,
        "relations": relations,
        "bundles": len(list(doc.bundles)),
        "warnings": [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)],
    }))


if __name__ == "__main__":
    main(sys.argv[1])
