"""The SSH tunnel's pure parts: the ssh argv (as docker/cli's connhelper orders it), the remote dial command, and
outputs that need no tunnel passing through untouched. The tunnel itself runs in tests/backends/selfhosted."""

from __future__ import annotations

import pytest

from infra import contract, tunnel

OUTPUT = {"engine": "ssh://deploy@server.example.com:2222/run/docker.sock", "ssh_opts": ["-F", "/tmp/cfg"],
          "container": "profwise-redis", "network": "coolify", "port": 6379}


def test_ssh_args_put_the_options_first_and_the_host_after_a_double_dash():
    spec = tunnel.TunnelSpec.from_output(OUTPUT)
    assert spec.ssh_args() == ["ssh", "-F", "/tmp/cfg", "-o", "BatchMode=yes", "-l", "deploy", "-p", "2222", "--",
                               "server.example.com"]
    assert spec.dial_command()[-1] == "docker --host=unix:///run/docker.sock system dial-stdio"
    plain = tunnel.TunnelSpec.from_output({**OUTPUT, "engine": "ssh://deploy@server"})
    assert plain.dial_command()[-1] == "docker system dial-stdio"


@pytest.mark.parametrize("bad", [{**OUTPUT, "engine": "tcp://server:2376"}, {"engine": "ssh://a@b"},
                                 {**OUTPUT, "port": "x"}])
def test_an_unusable_tunnel_output_is_refused(bad):
    with pytest.raises(ValueError):
        tunnel.TunnelSpec.from_output(bad)


def test_outputs_without_a_tunnel_pass_through():
    outputs = {contract.HOST: "127.0.0.1", contract.PORT: 6379}
    with tunnel.reach(outputs) as reachable:
        assert reachable == outputs
