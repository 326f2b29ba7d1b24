"""Writes a PROV-JSON document with the reference `prov` package, the way another tool would:
python make_prov_doc.py OUT [alt]. With `alt`, the same provenance is written with other prefix
names (and the records in another order), so an importer that expands QNames sees the same elements."""
import datetime
import sys

import prov.model as pm

PROV = pm.PROV


def build(alt):
    d = pm.ProvDocument()
    ex = d.add_namespace("e2" if alt else "ex", "http://example.org/")
    data = d.add_namespace("raw" if alt else "data", "file:///data/")
    utc = datetime.timezone.utc

    def records():
        scan = d.entity(data["scan_17.h5"], {PROV["type"]: "dataset", ex["size"]: 1024})
        model = d.entity(ex["model-7"], {PROV["type"]: "model", PROV["label"]: "unet"})
        report = d.entity(ex["report"])
        d.entity(ex["untouched"], {ex["note"]: "nobody used me", ex["score"]: 0.5})
        train = d.activity(
            ex["train-1"],
            datetime.datetime(2024, 11, 23, 22, 13, 20, 500000, tzinfo=utc),
            datetime.datetime(2024, 11, 23, 22, 14, 0, tzinfo=utc),
            {PROV["label"]: "train", ex["epochs"]: 3},
        )
        ev = d.activity(ex["eval-1"])
        alice = d.agent(ex["alice"], {PROV["type"]: PROV["Person"]})
        d.used(train, scan, other_attributes={PROV["role"]: "input"})
        d.wasGeneratedBy(model, train, other_attributes={PROV["role"]: "model"})
        d.used(ev, model)
        d.wasGeneratedBy(report, ev)
        d.wasInformedBy(ev, train)
        d.wasAssociatedWith(train, alice)
        d.wasDerivedFrom(model, scan)
        d.actedOnBehalfOf(alice, ex["lab"])
        d.specializationOf(ex["report"], ex["report-v1"])
        b = d.bundle(ex["bundle-1"])
        bt = b.activity(ex["b-task"])
        b.used(bt, data["scan_17.h5"])

    records()
    return d


if __name__ == "__main__":
    alt = len(sys.argv) > 2 and sys.argv[2] == "alt"
    doc = build(alt)
    with open(sys.argv[1], "w") as f:
        f.write(doc.serialize(format="json", indent=None if alt else 2))
