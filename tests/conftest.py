from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("ci", parent=settings.get_profile("default"), print_blob=True)
# VECBASE_NO_SHRINK=1: report the first failure as found (faster while developing)
settings.register_profile("noshrink", parent=settings.get_profile("default"), phases=[Phase.explicit, Phase.generate])
settings.load_profile(
    "noshrink" if os.environ.get("VECBASE_NO_SHRINK") else "ci" if os.environ.get("CI") else "default"
)


import pytest  # noqa: E402

from tests.live_server import Server  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Server:  # type: ignore[misc]
    """One vecbase server per test module, on a free loopback port and a temporary storage dir."""
    with Server(tmp_path_factory.mktemp("server") / "storage") as s:
        yield s
