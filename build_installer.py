"""Build custdesk as a double-clickable app with PyInstaller, then prove the build works.

    python build_installer.py            build for this OS, archive it, run the frozen smoke test
    python build_installer.py --check    validate the spec for all three OSes, build nothing (~1 s)

One-folder, windowed build with the app icon, `resources/`, the Qt plugins custdesk needs
(platforms incl. offscreen/xcb, image formats incl. SVG, SVG icon engine, print support) and
pyqtgraph's / python-calamine's dynamic parts; the version comes from `custdesk/__init__.py`.
Outputs (in `dist/`): Linux — the folder plus `custdesk-<v>-linux-<arch>.tar.gz` (an
AppImage-style AppDir: `AppRun`, `custdesk.desktop`, `custdesk.png`); Windows — the folder
plus a `.zip`; macOS — `custdesk.app` plus a `.zip`. The pure functions below decide what
goes in per OS (`plan_for`, `pyinstaller_args`, `archive_name`, ...) and are unit-tested for all
three (`tests/test_installer_spec.py`); only Linux is built and smoke-tested on this project's
machines. See docs/INSTALLER.md.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
APP = "custdesk"
PLATFORMS = ("linux", "windows", "macos")
BUNDLE_ID = "org.custdesk.custdesk"

# Modules PyInstaller cannot see by reading imports: cli.py loads its subcommands with
# importlib, QIcon loads SVG through Qt's plugins (which need the QtSvg library), printing
# needs QtPrintSupport, pyqtgraph picks its Qt templates at run time.
HIDDEN_IMPORTS = ("PySide6.QtSvg", "PySide6.QtPrintSupport", "python_calamine._python_calamine")
COLLECT_SUBMODULES = ("custdesk",)  # every subcommand, tab and screen builder
# python-calamine: the Rust extension and its type stubs. pyqtgraph's dynamic parts (colour
# maps, the Qt-binding templates it picks at run time, its multiprocess bootstrap) come from
# hook-pyqtgraph of pyinstaller-hooks-contrib; collect_all("pyqtgraph") would import
# pyqtgraph.examples, which starts a QApplication. `bundle_problems` checks they arrived.
COLLECT_ALL = ("python_calamine",)
# Never used by custdesk; some are optional imports of numpy/pyqtgraph that would drag in
# tens of MB (another Qt binding, matplotlib, OpenGL, Qt's QML/web stack).
EXCLUDES = ("tkinter", "matplotlib", "PyQt5", "PyQt6", "PySide2", "OpenGL", "IPython",
            "pyqtgraph.examples", "pyqtgraph.opengl", "pyqtgraph.jupyter", "PySide6.QtQml",
            "PySide6.QtQuick", "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "pytest",
            "pandas")  # sqlite-utils' optional DataFrame support, never used
RESOURCE_FILES = ("icon.svg", "icon.png", "icon-64.png")

# Qt plugin folders and the plugins in them that must be in the bundle, per OS.
# Qt 6 has print support for Windows and macOS inside QtPrintSupport itself; only Linux
# loads it as a (CUPS) plugin.
_COMMON_PLUGINS: dict[str, tuple[str, ...]] = {
    "imageformats": ("qsvg", "qjpeg", "qico", "qgif"),
    "iconengines": ("qsvgicon",),
}
_PLATFORM_PLUGINS: dict[str, dict[str, tuple[str, ...]]] = {
    "linux": {"platforms": ("qxcb", "qoffscreen", "qwayland"),
              "printsupport": ("cupsprintersupport",)},
    "windows": {"platforms": ("qwindows", "qoffscreen")},
    "macos": {"platforms": ("qcocoa", "qoffscreen")},
}


@dataclass(frozen=True)
class Plan:
    """Everything the build decides for one OS; built by `plan_for`, pure data."""

    platform: str
    version: str
    arch: str
    icon: str  # the icon file PyInstaller gets, relative to the work folder or to ROOT
    icon_from_png: bool  # True: `icon` is made from resources/icon*.png by `write_icon`
    datas: tuple[tuple[str, str], ...]  # (source relative to ROOT, folder inside the bundle)
    hidden_imports: tuple[str, ...] = HIDDEN_IMPORTS
    collect_submodules: tuple[str, ...] = COLLECT_SUBMODULES
    collect_all: tuple[str, ...] = COLLECT_ALL
    excludes: tuple[str, ...] = EXCLUDES
    qt_plugins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    windowed: bool = True
    onefile: bool = False
    # Linux: debug symbols to strip after the build (libpython of a self-built Python carries
    # ~16 MB). Never PyInstaller's --strip: stripping numpy's OpenBLAS breaks its loading.
    strip_globs: tuple[str, ...] = ()

    @property
    def app_folder(self) -> str:
        """What PyInstaller writes into dist/: the one-folder app (a .app on macOS)."""
        return f"{APP}.app" if self.platform == "macos" else APP

    @property
    def executable(self) -> str:
        """The program inside dist/, relative to it."""
        if self.platform == "windows":
            return f"{APP}/{APP}.exe"
        if self.platform == "macos":
            return f"{APP}.app/Contents/MacOS/{APP}"
        return f"{APP}/{APP}"

    @property
    def archive(self) -> str:
        return archive_name(self.platform, self.version, self.arch)

    @property
    def outputs(self) -> tuple[str, ...]:
        """What the build leaves in dist/ (the folder or .app, and its archive)."""
        return (self.app_folder, self.archive)


def normal_arch(machine: str) -> str:
    m = machine.lower()
    return {"amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64"}.get(m, m or "unknown")


def current_platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def archive_name(target: str, version: str, arch: str) -> str:
    ext = ".tar.gz" if target == "linux" else ".zip"
    return f"{APP}-{version}-{target}-{arch}{ext}"


def plugin_file(target: str, stem: str) -> str:
    """File name of Qt plugin `stem` ("qxcb") on `target`."""
    if target == "windows":
        return f"{stem}.dll"
    return f"lib{stem}.dylib" if target == "macos" else f"lib{stem}.so"


def plan_for(target: str, version: str, arch: str = "x86_64") -> Plan:
    if target not in PLATFORMS:
        raise ValueError(f"unknown platform {target!r} (one of {', '.join(PLATFORMS)})")
    plugins = dict(_COMMON_PLUGINS)
    plugins.update(_PLATFORM_PLUGINS[target])
    # Windows wants .ico, macOS .icns (PyInstaller would need Pillow to convert a PNG: we
    # write them ourselves); Linux takes the PNG (the .desktop file and the window icon).
    icon = {"windows": f"icons/{APP}.ico", "macos": f"icons/{APP}.icns"}.get(
        target, "resources/icon.png")
    return Plan(platform=target, version=version, arch=arch, icon=icon,
                icon_from_png=target != "linux",
                strip_globs=("libpython3*.so*",) if target == "linux" else (),
                datas=tuple((f"resources/{name}", "resources") for name in RESOURCE_FILES),
                qt_plugins=plugins)


def pyinstaller_args(plan: Plan, root: Path, dist: Path, work: Path) -> list[str]:
    """PyInstaller's command line for `plan` (the target's path separator is ':' on every OS
    since PyInstaller 6 for --add-data)."""
    icon = (work / plan.icon) if plan.icon_from_png else (root / plan.icon)
    args = [str(root / "packaging" / "launcher.py"), "--name", APP, "--noconfirm",
            "--onefile" if plan.onefile else "--onedir",
            "--windowed" if plan.windowed else "--console",
            "--paths", str(root),
            "--distpath", str(dist), "--workpath", str(work / "pyinstaller"),
            "--specpath", str(work), "--log-level", "WARN"]
    if plan.platform != "linux":  # Linux executables carry no icon: the .desktop file names it
        args += ["--icon", str(icon)]
    for src, dest in plan.datas:
        args += ["--add-data", f"{root / src}:{dest}"]
    for name in plan.hidden_imports:
        args += ["--hidden-import", name]
    for name in plan.collect_submodules:
        args += ["--collect-submodules", name]
    for name in plan.collect_all:
        args += ["--collect-all", name]
    for name in plan.excludes:
        args += ["--exclude-module", name]
    if plan.platform == "macos":
        args += ["--osx-bundle-identifier", BUNDLE_ID]
    if plan.platform == "windows":
        args += ["--version-file", str(work / "version_info.txt")]
    return args


# ---- version ------------------------------------------------------------------------------

def package_version(root: Path = ROOT) -> str:
    """`__version__` of custdesk/__init__.py, read without importing the package."""
    tree = ast.parse((root / APP / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise ValueError(f"no __version__ = '...' in {root / APP / '__init__.py'}")


def pyproject_version(root: Path = ROOT) -> str:
    with open(root / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def version_tuple(version: str) -> tuple[int, int, int, int]:
    # leading digits of each part: "2.0rc1" is 2.0.0.0 (Windows wants four small numbers)
    numbers = [int(m.group()) if (m := re.match(r"\d+", part)) else 0
               for part in version.split(".")[:4]]
    padded = (numbers + [0, 0, 0, 0])[:4]
    return padded[0], padded[1], padded[2], padded[3]


def windows_version_info(version: str) -> str:
    """PyInstaller's --version-file text: the version Windows shows in the file's properties."""
    v = version_tuple(version)
    strings = {"CompanyName": APP, "FileDescription": "custdesk customer dashboard",
               "FileVersion": version, "InternalName": APP, "OriginalFilename": f"{APP}.exe",
               "ProductName": APP, "ProductVersion": version}
    entries = ",\n          ".join(f"StringStruct({k!r}, {val!r})" for k, val in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={v}, prodvers={v}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
          {entries}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def mac_info_plist(version: str) -> dict[str, object]:
    """Keys set in the .app's Info.plist after PyInstaller wrote it."""
    return {"CFBundleShortVersionString": version, "CFBundleVersion": version,
            "CFBundleDisplayName": APP, "NSHighResolutionCapable": True,
            "NSRequiresAquaSystemAppearance": False}


# ---- icons (no Pillow needed: both formats can hold PNG images as they are) ----------------

def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def png_to_ico(pngs: Sequence[bytes]) -> bytes:
    """A Windows .ico holding the PNGs (Vista and later read PNG entries)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for png in pngs:
        w, h = _png_size(png)
        if w > 256 or h > 256:
            raise ValueError(f"an .ico image is at most 256 px, got {w}x{h}")
        entries += struct.pack("<BBBBHHII", w % 256, h % 256, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


_ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09",
               1024: b"ic10"}


def png_to_icns(pngs: Sequence[bytes]) -> bytes:
    """A macOS .icns holding the PNGs (square, sizes 16...1024)."""
    body = b""
    for png in pngs:
        w, h = _png_size(png)
        if w != h or w not in _ICNS_TYPES:
            raise ValueError(f"no .icns slot for a {w}x{h} image")
        body += _ICNS_TYPES[w] + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_icon(plan: Plan, root: Path, work: Path) -> Path:
    """The icon file PyInstaller gets for `plan` (made from the PNGs where needed)."""
    if not plan.icon_from_png:
        return root / plan.icon
    pngs = [(root / "resources" / n).read_bytes() for n in ("icon-64.png", "icon.png")]
    target = work / plan.icon
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(png_to_ico(pngs) if plan.platform == "windows" else png_to_icns(pngs))
    return target


# ---- Linux AppDir text files -----------------------------------------------------------

def linux_appdir_files(version: str, root: Path = ROOT) -> dict[str, tuple[bytes, int]]:
    """The files beside the app folder in the Linux archive: name -> (content, mode)."""
    def text(name: str) -> bytes:
        return (root / "packaging" / name).read_text(encoding="utf-8").replace(
            "{version}", version).encode()
    icon = (root / "resources" / "icon.png").read_bytes()
    return {"AppRun": (text("AppRun"), 0o755),
            f"{APP}.desktop": (text(f"{APP}.desktop"), 0o644),
            f"{APP}.png": (icon, 0o644),
            ".DirIcon": (icon, 0o644),
            "README.txt": (text("README-linux.txt"), 0o644)}


def desktop_entry_problems(text: str) -> list[str]:
    """What a desktop-file validator would reject in our template (the keys we rely on)."""
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    if not lines or lines[0] != "[Desktop Entry]":
        return ["the .desktop file must start with [Desktop Entry]"]
    keys = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    problems = [f".desktop file lacks {k}=" for k in ("Type", "Name", "Exec", "Icon")
                if not keys.get(k)]
    if keys.get("Type") != "Application":
        problems.append(".desktop Type must be Application")
    if keys.get("Terminal", "false") != "false":
        problems.append(".desktop Terminal must be false (a windowed app)")
    return problems


# ---- check --------------------------------------------------------------------------------

def check(root: Path = ROOT, *, importable: bool = True) -> list[str]:
    """Problems that would make a build fail or come out wrong; [] when the spec is sound.
    Fast: reads files and finds modules, builds nothing."""
    problems: list[str] = []
    try:
        version = package_version(root)
    except (OSError, ValueError, SyntaxError) as exc:
        return [f"version: {exc}"]
    try:
        if pyproject_version(root) != version:
            problems.append(f"pyproject.toml version {pyproject_version(root)} differs from "
                            f"custdesk.__version__ {version}")
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"pyproject.toml: {exc}")
    for rel in ("packaging/launcher.py", "packaging/AppRun", f"packaging/{APP}.desktop",
                "packaging/README-linux.txt"):
        if not (root / rel).is_file():
            problems.append(f"missing {rel}")
    if (root / f"packaging/{APP}.desktop").is_file():
        problems += desktop_entry_problems(
            (root / f"packaging/{APP}.desktop").read_text(encoding="utf-8"))
    for target in PLATFORMS:
        plan = plan_for(target, version)
        for src, _dest in plan.datas:
            if not (root / src).is_file():
                problems.append(f"{target}: data file {src} is missing")
        try:
            pngs = [(root / "resources" / n).read_bytes() for n in ("icon-64.png", "icon.png")]
            png_to_ico(pngs) if target == "windows" else png_to_icns(pngs)
        except (OSError, ValueError) as exc:
            problems.append(f"{target}: icon: {exc}")
        if not plan.windowed or plan.onefile:
            problems.append(f"{target}: the app must be a windowed one-folder build")
    if importable:
        for name in (*HIDDEN_IMPORTS, *COLLECT_SUBMODULES, *COLLECT_ALL, "PySide6.QtWidgets"):
            try:
                found = importlib.util.find_spec(name) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                problems.append(f"module {name} is not installed in {sys.executable}")
    return problems


def missing_build_tools(target: str) -> list[str]:
    """Programs PyInstaller runs on `target` that are not on PATH (binutils on Linux)."""
    needed = ("ldd", "objdump", "objcopy") if target == "linux" else ()
    return [tool for tool in needed if shutil.which(tool) is None]


def pyinstaller_version() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        return version("pyinstaller")
    except PackageNotFoundError:
        return None


# ---- build, archive, verify ------------------------------------------------------------------

def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build(plan: Plan, root: Path, dist: Path, work: Path, *, clean: bool) -> None:
    import PyInstaller.__main__  # the installer extra: pip install -e ".[installer]"

    work.mkdir(parents=True, exist_ok=True)
    # PyInstaller imports packages in child processes to find their parts: no display needed
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    write_icon(plan, root, work)
    if plan.platform == "windows":
        (work / "version_info.txt").write_text(windows_version_info(plan.version), "utf-8")
    args = pyinstaller_args(plan, root, dist, work)
    if clean:
        args.append("--clean")
    PyInstaller.__main__.run(args)
    strip = shutil.which("strip") if plan.strip_globs else None
    for pattern in plan.strip_globs if strip is not None else ():
        for lib in (dist / plan.app_folder).rglob(pattern):
            if strip is not None and lib.is_file() and not lib.is_symlink():
                subprocess.run([strip, "--strip-debug", str(lib)], check=True)
    if plan.platform == "macos":
        import plistlib

        info = dist / plan.app_folder / "Contents" / "Info.plist"
        with open(info, "rb") as f:
            data = plistlib.load(f)
        data.update(mac_info_plist(plan.version))
        with open(info, "wb") as f:
            plistlib.dump(data, f)


def make_archive(plan: Plan, root: Path, dist: Path) -> Path:
    target = dist / plan.archive
    target.unlink(missing_ok=True)
    top = plan.archive.removesuffix(".tar.gz").removesuffix(".zip")
    if plan.platform == "linux":
        with tarfile.open(target, "w:gz", compresslevel=6) as tar:
            for name, (content, mode) in linux_appdir_files(plan.version, root).items():
                info = tarfile.TarInfo(f"{top}/{name}")
                info.size, info.mode, info.mtime = len(content), mode, int(time.time())
                tar.addfile(info, io.BytesIO(content))
            tar.add(dist / plan.app_folder, arcname=f"{top}/{APP}")
    elif plan.platform == "macos":
        # ditto keeps the .app's symlinks and extended attributes (zipfile would not)
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(dist / plan.app_folder),
                        str(target)], check=True)
    else:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted((dist / plan.app_folder).rglob("*")):
                rel = path.relative_to(dist / plan.app_folder)
                zf.write(path, f"{top}/{APP}/{rel.as_posix()}")
    return target


def bundle_problems(plan: Plan, dist: Path) -> list[str]:
    """What is missing from the built folder: the program, resources, Qt plugins, the
    dynamic parts of pyqtgraph and python-calamine."""
    folder = dist / plan.app_folder
    if not (dist / plan.executable).is_file():
        return [f"no program at {dist / plan.executable}"]
    names: dict[str, list[Path]] = {}
    for path in folder.rglob("*"):
        names.setdefault(path.name, []).append(path)
    problems = []
    for group, stems in plan.qt_plugins.items():
        for stem in stems:
            wanted = plugin_file(plan.platform, stem)
            if not any(p.parent.name == group for p in names.get(wanted, [])):
                problems.append(f"Qt plugin {group}/{wanted} is not in the bundle")
    for name in RESOURCE_FILES:
        if not any(p.parent.name == "resources" for p in names.get(name, [])):
            problems.append(f"resource {name} is not in the bundle")
    if not any(p.name.startswith("_python_calamine") for ps in names.values() for p in ps):
        problems.append("python-calamine's compiled module is not in the bundle")
    if "viridis.csv" not in names:
        problems.append("pyqtgraph's colour maps are not in the bundle")
    return problems


# ---- the frozen smoke test ----------------------------------------------------------------

@dataclass
class Step:
    name: str
    seconds: float
    ok: bool
    detail: str = ""


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of a first start on a new user account whose folders are in `home`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CUSTDESK_", "XDG_", "PYTHON", "QT_"))}
    env.update(HOME=str(home), USERPROFILE=str(home), QT_QPA_PLATFORM="offscreen",
               APPDATA=str(home / "AppData" / "Roaming"),
               LOCALAPPDATA=str(home / "AppData" / "Local"),
               XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_CONFIG_HOME=str(home / ".config"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_CACHE_HOME=str(home / ".cache"))
    return env


def _run(cmd: Sequence[str], env: dict[str, str], timeout: float) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(list(cmd), env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, -1, f"timed out after {timeout:.0f} s"
    return time.perf_counter() - t0, proc.returncode, proc.stdout + proc.stderr


def _pdf_problem(path: Path) -> str | None:
    if not path.is_file():
        return "no PDF written"
    data = path.read_bytes()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        return "the PDF is not a complete PDF file"
    if b"/Type /Page" not in data and b"/Type/Page" not in data:
        return "the PDF has no page"
    return None


def _xlsx_problem(path: Path) -> str | None:
    if not path.is_file():
        return "no workbook written"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if zf.testzip() is not None:
                return "the workbook's zip is damaged"
    except zipfile.BadZipFile:
        return "the workbook is not a zip file"
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
    if "xl/workbook.xml" not in names or len(sheets) < 2:
        return f"the workbook has {len(sheets)} sheet(s), expected every record kind"
    return None


def _png_problem(path: Path) -> str | None:
    data = path.read_bytes() if path.is_file() else b""
    if not data.startswith(b"\x89PNG"):
        return f"{path.name} is not a PNG"
    if len(data) < 10_000:
        return f"{path.name} is only {len(data)} bytes: a blank window?"
    return None


def smoke_test(command: Sequence[str], scratch: Path, *, app_folder: Path | None,
               version: str, timeout: float = 600.0) -> list[Step]:
    """Run custdesk (`command` = the frozen program, or python -m custdesk) the way an owner
    would on a new account: version, a demo file in the default app-data folder, the window
    with every tab (screenshots), a PDF report, an Excel export, a screen as JSON. Each Step
    says how long it took and whether its output is right."""
    home = scratch / "home"
    home.mkdir(parents=True)
    env = isolated_env(home)
    db = scratch / "demo.db"
    before = sorted(p.relative_to(app_folder) for p in app_folder.rglob("*")) \
        if app_folder else []
    steps: list[Step] = []
    notes: list[str] = []  # figures worth printing beside a passed step

    def step(name: str, args: Sequence[str], problem: object) -> str:
        seconds, code, out = _run([*command, *args], env, timeout)
        detail = "" if code == 0 else f"exit {code}: {out.strip()[-600:]}"
        if not detail and callable(problem):
            detail = problem(out) or ""
        steps.append(Step(name, seconds, not detail, detail or "; ".join(notes)))
        notes.clear()
        return out

    step("--version", ["--version"], lambda out: None if out.strip() == f"{APP} {version}"
         else f"printed {out.strip()!r}, expected '{APP} {version}'")

    def default_db(_out: str) -> str | None:
        # without --db the demo goes to its own file in the app-data folder
        found = list(home.rglob("*.db"))
        return None if found else f"no database under the user's folders ({home})"

    step("demo (default app-data file)", ["demo"], default_db)
    step("demo --db (fresh file)", ["demo", "--db", str(db)],
         lambda _o: None if db.is_file() else "no database written")
    shots = scratch / "screenshots"

    def window(out: str) -> str | None:
        shown = re.search(r"window shown after ([0-9.]+) s", out)
        if shown:
            notes.append(f"window shown after {shown.group(1)} s")
        pngs = sorted(shots.glob("*.png"))
        if "smoke test passed" not in out:
            return "the smoke test did not say it passed"
        if len(pngs) < 6:
            return f"{len(pngs)} tab screenshots, expected every tab"
        return next((p for p in map(_png_problem, pngs) if p), None)

    step("window: every tab + charts", ["--db", str(db), "--smoke-test", "--screenshots",
                                        str(shots)], window)
    pdf = scratch / "scorecard.pdf"
    step("PDF report", ["report", "scorecard", "--db", str(db), "--out", str(pdf)],
         lambda _o: _pdf_problem(pdf))
    xlsx = scratch / "everything.xlsx"
    step("Excel export", ["export", str(xlsx), "--db", str(db)], lambda _o: _xlsx_problem(xlsx))

    def screen_json(out: str) -> str | None:
        try:
            data = json.loads(out)
        except json.JSONDecodeError as exc:
            return f"not JSON: {exc}"
        return None if isinstance(data, dict) and data.get("cards") else "no cards in the JSON"

    step("screen today --json", ["screen", "today", "--db", str(db), "--json"], screen_json)
    if app_folder is not None:
        # the database, its backups and lock, the log (written only when something is
        # logged) and QSettings all belong in the user's folders (`home` here)
        after = sorted(p.relative_to(app_folder) for p in app_folder.rglob("*"))
        added = sorted(set(after) - set(before))
        steps.append(Step("nothing written into the app folder", 0.0, not added,
                          f"new files: {', '.join(map(str, added[:5]))}" if added else ""))
    return steps


def print_steps(title: str, steps: Iterable[Step]) -> bool:
    print(f"\n{title}")
    ok = True
    for s in steps:
        ok &= s.ok
        mark = "ok  " if s.ok else "FAIL"
        print(f"  {mark} {s.name:<38} {s.seconds:6.2f} s" + (f"  {s.detail}" if s.detail else ""))
    return ok


# ---- command line ---------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build_installer.py",
        description="Build custdesk as a standalone app with PyInstaller (one folder, windowed), "
                    "archive it for this OS and run the frozen app's smoke test. Needs the "
                    "installer extra: pip install -e '.[installer]'.")
    parser.add_argument("--check", action="store_true",
                        help="validate the build spec for Linux, Windows and macOS and exit "
                             "(0 = sound, 1 = problems); builds nothing")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the app and its archive go (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build",
                        help="PyInstaller's work folder (default: build/)")
    parser.add_argument("--clean", action="store_true",
                        help="empty PyInstaller's cache first (slower, from scratch)")
    parser.add_argument("--no-smoke", action="store_true",
                        help="build and archive only; skip the frozen smoke test")
    parser.add_argument("--smoke-only", action="store_true",
                        help="run the smoke test on the app already in --dist; build nothing")
    parser.add_argument("--compare", action="store_true",
                        help="also time the same smoke test from source (python -m custdesk)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    target = current_platform()
    if args.check:
        t0 = time.perf_counter()
        problems = check(ROOT)
        version = package_version(ROOT) if not problems else "?"
        for name in PLATFORMS:
            if problems:
                break
            plan = plan_for(name, version, normal_arch(platform.machine()))
            print(f"{name:<8} {' + '.join(plan.outputs)}  (program {plan.executable})")
        pyi = pyinstaller_version()
        print(f"PyInstaller: {pyi or 'not installed (pip install -e .[installer] to build)'}")
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"spec check {'failed' if problems else 'passed'} in "
              f"{time.perf_counter() - t0:.2f} s")
        return 1 if problems else 0

    problems = check(ROOT)
    if problems:
        for problem in problems:
            print(f"build_installer.py: {problem}", file=sys.stderr)
        return 1
    version = package_version(ROOT)
    plan = plan_for(target, version, normal_arch(platform.machine()))
    dist, work = args.dist.resolve(), args.work.resolve()
    if not args.smoke_only:
        if pyinstaller_version() is None:
            print("build_installer.py: PyInstaller is not installed here; run "
                  "`pip install -e '.[installer]'` (or `make installer`).", file=sys.stderr)
            return 1
        tools = missing_build_tools(target)
        if tools:
            print(f"build_installer.py: PyInstaller needs {', '.join(tools)} on {target} "
                  "(Debian/Ubuntu: apt-get install binutils).", file=sys.stderr)
            return 1
        t0 = time.perf_counter()
        build(plan, ROOT, dist, work, clean=args.clean)
        build_s = time.perf_counter() - t0
        missing = bundle_problems(plan, dist)
        for problem in missing:
            print(f"build_installer.py: {problem}", file=sys.stderr)
        if missing:
            return 1
        t1 = time.perf_counter()
        make_archive(plan, ROOT, dist)
        print(f"\ncustdesk {version} for {target} built in {build_s:.0f} s "
              f"(archive {time.perf_counter() - t1:.0f} s):")
        for name in plan.outputs:
            print(f"  {dist / name}  {human(tree_size(dist / name))}")
        print(f"  start it: {dist / plan.executable}")
    elif bundle_problems(plan, dist):
        print(f"build_installer.py: no complete build in {dist}; build first", file=sys.stderr)
        return 1
    if args.no_smoke:
        return 0
    ok = True
    with tempfile.TemporaryDirectory(prefix="custdesk-smoke-") as tmp:
        frozen = smoke_test([str(dist / plan.executable)], Path(tmp) / "frozen",
                            app_folder=dist / plan.app_folder, version=version)
        ok = print_steps("Frozen app smoke test (offscreen, new user folders):", frozen)
        if args.compare:
            source = smoke_test([sys.executable, "-m", APP], Path(tmp) / "source",
                                app_folder=None, version=version)
            print_steps("The same from source (python -m custdesk), for comparison:", source)
    if not ok:
        print("\nbuild_installer.py: THE FROZEN APP FAILED ITS SMOKE TEST (see FAIL above)",
              file=sys.stderr)
        return 1
    print("\nfrozen smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
