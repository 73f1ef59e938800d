"""The nginx front's configuration (web/front.py): nginx itself accepts what is written, for
every address form, and the settings read from the environment say what is wrong in a sentence.
The front at work (timeouts, attacks) is tested in tests/reliability/test_front.py."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from nkhr.web.front import Front, FrontSettings, FrontUnavailable, wanted


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::1"])
def test_nginx_accepts_the_configuration(host):
    front = Front(host, 8765, FrontSettings(header_timeout=2.5, client_requests=7))
    try:
        config = front.run_dir / "nginx.conf"
        text = front.configuration()
        config.write_text(text)
        check = subprocess.run([front.binary, "-p", f"{front.run_dir}/", "-e", "stderr", "-c", str(config), "-t"],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        assert "client_header_timeout 2500ms;" in text and "limit_conn nkhr_client 7;" in text
        assert f"server unix:{front.socket};" in text and front.bind == f"unix:{front.socket}"
        assert ("[::1]:8765" if ":" in host else f"{host}:8765") in text
    finally:
        shutil.rmtree(front.run_dir, ignore_errors=True)


def test_settings_come_from_the_environment_and_a_bad_one_is_a_sentence():
    settings = FrontSettings.from_environment({"NKHR_HEADER_TIMEOUT": "3", "NKHR_CLIENT_REQUESTS": "9"})
    assert settings.header_timeout == 3.0 and settings.client_requests == 9
    with pytest.raises(FrontUnavailable, match="NKHR_BODY_TIMEOUT='soon' is not a number"):
        FrontSettings.from_environment({"NKHR_BODY_TIMEOUT": "soon"})


def test_the_front_can_be_turned_off_and_nothing_else_is_understood():
    assert wanted({}) is True and wanted({"NKHR_FRONT": "none"}) is False
    with pytest.raises(FrontUnavailable, match="use nginx"):
        wanted({"NKHR_FRONT": "apache"})


def test_behind_a_trusted_proxy_the_client_address_comes_from_x_forwarded_for():
    settings = FrontSettings.from_environment({"NKHR_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/16,::1"})
    front = Front("127.0.0.1", 8766, settings)
    try:
        config = front.run_dir / "nginx.conf"
        text = front.configuration()
        config.write_text(text)
        check = subprocess.run([front.binary, "-p", f"{front.run_dir}/", "-e", "stderr", "-c", str(config), "-t"],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        for line in ("set_real_ip_from 10.0.0.5/32;", "set_real_ip_from 192.168.0.0/16;", "set_real_ip_from ::1/128;",
                     "real_ip_header X-Forwarded-For;"):
            assert line in text
    finally:
        shutil.rmtree(front.run_dir, ignore_errors=True)
    plain = Front("127.0.0.1", 8767)
    try:
        assert "set_real_ip_from" not in plain.configuration()     # nobody is trusted by default
    finally:
        shutil.rmtree(plain.run_dir, ignore_errors=True)
    with pytest.raises(FrontUnavailable, match="'proxy.example' is not an address or a network"):
        FrontSettings.from_environment({"NKHR_TRUSTED_PROXIES": "proxy.example"})
