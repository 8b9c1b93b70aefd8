"""build_installer.py's own logic, fast (no PyInstaller build): what goes into the app on
Linux, Windows and macOS, the names it produces, the version, `--check`, the Linux AppDir
files, the bundle verification, and `custdesk.resources` frozen vs from source."""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import custdesk
from custdesk import resources

ROOT = Path(__file__).resolve().parents[1]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_installer", ROOT / "build_installer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_installer"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bi = _load_builder()
VERSION = custdesk.__version__


@pytest.mark.parametrize("target", ["linux", "windows", "macos"])
def test_every_platform_bundles_resources_qt_parts_and_dynamic_modules(target):
    plan = bi.plan_for(target, VERSION)
    assert plan.windowed and not plan.onefile
    assert plan.version == VERSION
    assert {dest for _src, dest in plan.datas} == {"resources"}
    assert {Path(src).name for src, _dest in plan.datas} >= {"icon.svg", "icon.png"}
    assert all((ROOT / src).is_file() for src, _dest in plan.datas)
    # SVG icons need QtSvg, printing QtPrintSupport; subcommands are loaded with importlib
    assert {"PySide6.QtSvg", "PySide6.QtPrintSupport"} <= set(plan.hidden_imports)
    assert "custdesk" in plan.collect_submodules
    assert "python_calamine" in plan.collect_all
    assert "pyqtgraph" not in plan.collect_all  # would import pyqtgraph.examples (a QApplication)
    assert {"tkinter", "PyQt5", "PyQt6"} <= set(plan.excludes)
    assert "qoffscreen" in plan.qt_plugins["platforms"]
    assert {"qsvg", "qjpeg"} <= set(plan.qt_plugins["imageformats"])
    assert plan.qt_plugins["iconengines"] == ("qsvgicon",)


def test_platform_specific_plugins():
    linux, windows, macos = (bi.plan_for(t, VERSION) for t in ("linux", "windows", "macos"))
    assert {"qxcb", "qoffscreen"} <= set(linux.qt_plugins["platforms"])
    assert linux.qt_plugins["printsupport"] == ("cupsprintersupport",)
    assert "qwindows" in windows.qt_plugins["platforms"]
    assert "qcocoa" in macos.qt_plugins["platforms"]
    # Qt 6 prints on Windows and macOS without a plugin
    assert "printsupport" not in windows.qt_plugins and "printsupport" not in macos.qt_plugins
    assert bi.plugin_file("linux", "qxcb") == "libqxcb.so"
    assert bi.plugin_file("windows", "qwindows") == "qwindows.dll"
    assert bi.plugin_file("macos", "qcocoa") == "libqcocoa.dylib"


def test_output_names_and_programs():
    linux = bi.plan_for("linux", "1.2.3", "x86_64")
    assert linux.outputs == ("custdesk", "custdesk-1.2.3-linux-x86_64.tar.gz")
    assert linux.executable == "custdesk/custdesk"
    windows = bi.plan_for("windows", "1.2.3", bi.normal_arch("AMD64"))
    assert windows.outputs == ("custdesk", "custdesk-1.2.3-windows-x86_64.zip")
    assert windows.executable == "custdesk/custdesk.exe"
    macos = bi.plan_for("macos", "1.2.3", bi.normal_arch("arm64"))
    assert macos.outputs == ("custdesk.app", "custdesk-1.2.3-macos-arm64.zip")
    assert macos.executable == "custdesk.app/Contents/MacOS/custdesk"
    assert bi.normal_arch("aarch64") == "arm64"
    with pytest.raises(ValueError):
        bi.plan_for("beos", "1.0")


@pytest.mark.parametrize("target", ["linux", "windows", "macos"])
def test_pyinstaller_command_line(target, tmp_path):
    plan = bi.plan_for(target, VERSION)
    args = bi.pyinstaller_args(plan, ROOT, tmp_path / "dist", tmp_path / "work")
    assert args[0] == str(ROOT / "packaging" / "launcher.py")
    assert {"--onedir", "--windowed", "--noconfirm"} <= set(args)
    assert "--strip" not in args  # stripping numpy's OpenBLAS breaks it (seen in the build)

    def values(flag):
        return [args[i + 1] for i, a in enumerate(args) if a == flag]

    assert f"{ROOT / 'resources' / 'icon.svg'}:resources" in values("--add-data")
    assert "PySide6.QtSvg" in values("--hidden-import")
    assert values("--collect-submodules") == ["custdesk"]
    assert values("--distpath") == [str(tmp_path / "dist")]
    icons = values("--icon")
    if target == "linux":
        assert icons == []  # PyInstaller ignores it there; the .desktop file names the icon
        assert plan.strip_globs == ("libpython3*.so*",)
    else:
        assert icons == [str(tmp_path / "work" / "icons" /
                             ("custdesk.ico" if target == "windows" else "custdesk.icns"))]
        assert plan.strip_globs == ()
    assert bool(values("--osx-bundle-identifier")) == (target == "macos")
    assert values("--version-file") == (
        [str(tmp_path / "work" / "version_info.txt")] if target == "windows" else [])


def test_version_comes_from_the_package():
    assert bi.package_version(ROOT) == VERSION == bi.pyproject_version(ROOT)
    assert bi.version_tuple("1.2.3") == (1, 2, 3, 0)
    assert bi.version_tuple("2.0rc1") == (2, 0, 0, 0)
    info = bi.windows_version_info("1.2.3")
    assert "filevers=(1, 2, 3, 0)" in info and "StringStruct('ProductVersion', '1.2.3')" in info
    compile(info, "version_info.txt", "eval")  # PyInstaller evaluates it as Python
    plist = bi.mac_info_plist("1.2.3")
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == "1.2.3"


def test_icons_are_made_from_the_pngs(tmp_path):
    pngs = [(ROOT / "resources" / n).read_bytes() for n in ("icon-64.png", "icon.png")]
    ico = bi.png_to_ico(pngs)
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 2)
    w0, h0 = ico[6], ico[7]
    size1, offset1 = struct.unpack("<II", ico[6 + 16 + 8:6 + 16 + 16])
    assert (w0, h0) == (64, 64) and ico[6 + 16] == 0  # 256 px is written as 0
    assert ico[offset1:offset1 + size1] == pngs[1]
    icns = bi.png_to_icns(pngs)
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert icns[8:12] == b"icp6" and b"ic08" in icns
    with pytest.raises(ValueError):
        bi.png_to_ico([b"GIF89a" + b"\0" * 30])
    for target, suffix in (("windows", ".ico"), ("macos", ".icns")):
        icon = bi.write_icon(bi.plan_for(target, VERSION), ROOT, tmp_path)
        assert icon.suffix == suffix and icon.stat().st_size > sum(map(len, pngs))
    assert bi.write_icon(bi.plan_for("linux", VERSION), ROOT, tmp_path) == \
        ROOT / "resources" / "icon.png"


def test_linux_appdir_files():
    files = bi.linux_appdir_files("9.8.7", ROOT)
    assert set(files) == {"AppRun", "custdesk.desktop", "custdesk.png", ".DirIcon", "README.txt"}
    app_run, mode = files["AppRun"]
    assert mode == 0o755 and app_run.startswith(b"#!/bin/sh") and b"9.8.7" in app_run
    desktop = files["custdesk.desktop"][0].decode()
    assert "X-AppImage-Version=9.8.7" in desktop and "{version}" not in desktop
    assert bi.desktop_entry_problems(desktop) == []
    assert bi.desktop_entry_problems("[Desktop Entry]\nType=Application\nName=x\n") == [
        ".desktop file lacks Exec=", ".desktop file lacks Icon="]
    assert files["custdesk.png"][0] == (ROOT / "resources" / "icon.png").read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_app_run_installs_a_menu_entry_pointing_at_its_folder(tmp_path):
    appdir = tmp_path / "custdesk 1.0"  # a space: Exec= must quote the path
    (appdir / "custdesk").mkdir(parents=True)
    for name, (content, mode) in bi.linux_appdir_files(VERSION, ROOT).items():
        (appdir / name).write_bytes(content)
        (appdir / name).chmod(mode)
    program = appdir / "custdesk" / "custdesk"
    program.write_text('#!/bin/sh\necho "started with $*"\n')
    program.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    run = subprocess.run([str(appdir / "AppRun"), "--version"], env=env, capture_output=True,
                         text=True, check=True)
    assert run.stdout == "started with --version\n"
    subprocess.run([str(appdir / "AppRun"), "--install"], env=env, check=True,
                   capture_output=True)
    entry = (tmp_path / "data" / "applications" / "custdesk.desktop").read_text()
    assert f'Exec="{appdir}/AppRun"' in entry
    assert (tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / "custdesk.png").is_file()
    subprocess.run([str(appdir / "AppRun"), "--uninstall"], env=env, check=True,
                   capture_output=True)
    assert not (tmp_path / "data" / "applications" / "custdesk.desktop").exists()


def test_check_passes_here_and_names_what_is_broken(tmp_path):
    assert bi.check(ROOT) == []
    broken = tmp_path / "repo"
    for rel in ("custdesk/__init__.py", "pyproject.toml", "resources/icon.png",
                "resources/icon-64.png", "resources/icon.svg", "packaging/launcher.py",
                "packaging/AppRun", "packaging/custdesk.desktop", "packaging/README-linux.txt"):
        (broken / rel).parent.mkdir(parents=True, exist_ok=True)
        (broken / rel).write_bytes((ROOT / rel).read_bytes())
    assert bi.check(broken, importable=False) == []
    (broken / "resources" / "icon.svg").unlink()
    init = broken / "custdesk" / "__init__.py"
    init.write_text(init.read_text().replace(f'"{VERSION}"', '"0.0.1"'))
    problems = bi.check(broken, importable=False)
    assert any("differs from custdesk.__version__ 0.0.1" in p for p in problems)
    assert {p for p in problems if "icon.svg" in p} == {
        f"{t}: data file resources/icon.svg is missing" for t in ("linux", "windows", "macos")}


def test_check_and_help_from_the_command_line():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "build_installer.py"), "--check"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    for name in (f"custdesk-{VERSION}-linux-", f"custdesk-{VERSION}-windows-",
                 "custdesk.app + "):
        assert name in done.stdout
    assert "spec check passed" in done.stdout
    helped = subprocess.run([sys.executable, str(ROOT / "build_installer.py"), "--help"],
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "--check" in helped.stdout


def _fake_bundle(plan, dist: Path) -> Path:
    """The files `bundle_problems` looks for, laid out like PyInstaller does."""
    folder = dist / plan.app_folder
    internal = folder / ("Contents/Frameworks" if plan.platform == "macos" else "_internal")
    exe = dist / plan.executable
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_bytes(b"program")
    for group, stems in plan.qt_plugins.items():
        for stem in stems:
            path = internal / "PySide6" / "Qt" / "plugins" / group / bi.plugin_file(
                plan.platform, stem)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"plugin")
    for name in bi.RESOURCE_FILES:
        (internal / "resources").mkdir(parents=True, exist_ok=True)
        (internal / "resources" / name).write_bytes(b"icon")
    (internal / "python_calamine").mkdir(parents=True)
    (internal / "python_calamine" / "_python_calamine.so").write_bytes(b"rust")
    (internal / "pyqtgraph" / "colors" / "maps").mkdir(parents=True)
    (internal / "pyqtgraph" / "colors" / "maps" / "viridis.csv").write_text("0,0,0\n")
    return internal


@pytest.mark.parametrize("target", ["linux", "windows", "macos"])
def test_bundle_verification(target, tmp_path):
    plan = bi.plan_for(target, VERSION)
    assert bi.bundle_problems(plan, tmp_path) == [
        f"no program at {tmp_path / plan.executable}"]
    internal = _fake_bundle(plan, tmp_path)
    assert bi.bundle_problems(plan, tmp_path) == []
    offscreen = bi.plugin_file(target, "qoffscreen")
    (internal / "PySide6" / "Qt" / "plugins" / "platforms" / offscreen).unlink()
    (internal / "resources" / "icon.svg").unlink()
    assert bi.bundle_problems(plan, tmp_path) == [
        f"Qt plugin platforms/{offscreen} is not in the bundle",
        "resource icon.svg is not in the bundle"]


def test_archives(tmp_path):
    linux = bi.plan_for("linux", "1.0.0", "x86_64")
    _fake_bundle(linux, tmp_path)
    tar_path = bi.make_archive(linux, ROOT, tmp_path)
    assert tar_path.name == "custdesk-1.0.0-linux-x86_64.tar.gz"
    with tarfile.open(tar_path) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = "custdesk-1.0.0-linux-x86_64"
    assert members[f"{top}/AppRun"].mode == 0o755
    assert {f"{top}/custdesk.desktop", f"{top}/custdesk.png", f"{top}/custdesk/custdesk",
            f"{top}/custdesk/_internal/resources/icon.svg"} <= set(members)
    windows = bi.plan_for("windows", "1.0.0", "x86_64")
    win_dist = tmp_path / "win"
    _fake_bundle(windows, win_dist)
    zip_path = bi.make_archive(windows, ROOT, win_dist)
    with zipfile.ZipFile(zip_path) as zf:
        assert "custdesk-1.0.0-windows-x86_64/custdesk/custdesk.exe" in zf.namelist()


def test_output_checks_of_the_smoke_test(tmp_path):
    pdf = tmp_path / "a.pdf"
    assert bi._pdf_problem(pdf) == "no PDF written"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n")
    assert bi._pdf_problem(pdf) is None
    pdf.write_bytes(b"%PDF-1.4\n truncated")
    assert bi._pdf_problem(pdf) == "the PDF is not a complete PDF file"
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_text("not a zip")
    assert bi._xlsx_problem(xlsx) == "the workbook is not a zip file"
    env = bi.isolated_env(tmp_path / "home")
    assert env["QT_QPA_PLATFORM"] == "offscreen" and env["HOME"] == str(tmp_path / "home")
    assert env["XDG_STATE_HOME"].startswith(str(tmp_path / "home"))
    assert not any(k.startswith("CUSTDESK_") for k in env)


# ---- custdesk.resources: one lookup, frozen or from source --------------------------------

def test_resource_path_from_source(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert not resources.is_frozen()
    assert resources.resource_dir() == ROOT / "resources"
    assert resources.resource_path("icon.svg") == ROOT / "resources" / "icon.svg"
    assert resources.resource_path("icon.svg").is_file()


def test_resource_path_frozen(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    assert resources.is_frozen()
    assert resources.resource_path("icon.svg") == tmp_path / "_internal" / "resources" / "icon.svg"
    # the bundle's layout is what build_installer.py asks PyInstaller for
    assert {dest for _s, dest in bi.plan_for("linux", VERSION).datas} == {
        resources.RESOURCES_DIRNAME}
    monkeypatch.delattr(sys, "_MEIPASS")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "app" / "custdesk"))
    assert resources.resource_dir() == (tmp_path / "app").resolve() / "resources"


def test_resource_names_stay_inside_the_folder():
    for bad in ("../pyproject.toml", "/etc/passwd"):
        with pytest.raises(ValueError):
            resources.resource_path(bad)
