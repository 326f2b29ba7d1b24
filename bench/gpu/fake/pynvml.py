"""A stand-in for nvidia-ml-py's pynvml for a dry run of bench/gpu/run-device.sh on a machine without a
GPU (MIDA_GPU_FAKE=1): the calls mida.telemetry makes, answering for one made-up GPU (the one
bench/gpu/fake/nvidia-smi reports)."""

from types import SimpleNamespace

NVML_TEMPERATURE_GPU = 0
nvmlMemory_v2 = 0x02000028


def nvmlInit():
    pass


def nvmlDeviceGetCount():
    return 1


def nvmlDeviceGetHandleByIndex(i):
    return i


def nvmlDeviceGetName(h):
    return "Fake GPU 80GB"


def nvmlDeviceGetUtilizationRates(h):
    return SimpleNamespace(gpu=3, memory=1)


def nvmlDeviceGetMemoryInfo(h, version=None):
    return SimpleNamespace(used=512 << 20, total=81559 << 20, free=(81559 - 512) << 20)


def nvmlDeviceGetTemperature(h, sensor):
    return 40


def nvmlDeviceGetPowerUsage(h):
    return 71500
