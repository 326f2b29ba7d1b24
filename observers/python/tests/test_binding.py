"""The decorator's precomputed argument binding gives exactly what inspect.Signature.bind gives."""

import inspect

import pytest

from mida import sdk


class Model:
    def fit(self, data, lr=0.01, *, epochs=3):
        pass

    @classmethod
    def load(cls, path):
        pass


def plain(a, b=2, c=None):
    pass


def kwonly(a, *, scale=1.0, name):
    pass


def varargs(a, *rest, **options):
    pass


def posonly(a, /, b=1):
    pass


def no_params():
    pass


CALLS = [
    (plain, (1,), {}),
    (plain, (1, 5), {}),
    (plain, (1,), {"c": "x"}),
    (plain, (), {"a": 1, "b": 3}),
    (plain, (1, 2, 3, 4), {}),  # too many: the call raises
    (plain, (1,), {"a": 2}),  # twice: the call raises
    (plain, (), {}),  # missing: the call raises
    (plain, (1,), {"zzz": 0}),  # unknown keyword: the call raises
    (kwonly, (1,), {"name": "n"}),
    (kwonly, (1,), {"name": "n", "scale": 2}),
    (kwonly, (1,), {}),
    (varargs, (1, 2, 3), {"k": 4}),
    (varargs, (1,), {}),
    (posonly, (1,), {"b": 4}),
    (no_params, (), {}),
    (no_params, (1,), {}),
    (Model.fit, (Model(), [1, 2]), {"epochs": 5}),
    (Model.fit, (Model(), [1, 2], 0.1), {}),
    (Model.load.__func__, (Model, "/p"), {}),
]


@pytest.mark.parametrize("fn,args,kwargs", CALLS, ids=[f"{f.__name__}{a}{k}" for f, a, k in CALLS])
def test_the_binder_agrees_with_signature_bind(fn, args, kwargs):
    sig = inspect.signature(fn)
    assert sdk._binder(sig)(args, kwargs) == sdk._used(sig, args, kwargs)


def test_the_binder_keeps_parameter_order_and_leaves_out_self():
    sig = inspect.signature(Model.fit)
    used = sdk._binder(sig)((Model(), "d"), {"epochs": 9})
    assert list(used) == ["data", "lr", "epochs"]
    assert used == {"data": "d", "lr": 0.01, "epochs": 9}


def test_a_self_parameter_anywhere_is_left_out_as_signature_bind_does():
    def odd(a, self=1):
        pass

    sig = inspect.signature(odd)
    assert sdk._binder(sig)((5,), {}) == sdk._used(sig, (5,), {}) == {"a": 5}
