"""Write every town's OpenDRIVE map from a running CARLA server into the data directory.

    python -m sim.carla.export_maps --host 127.0.0.1 --port 2000 [--towns Town12 Town13] [--data-dir data]

Each town is loaded on the server (large maps such as Town12/13 take minutes) and
``world.get_map().to_opendrive()`` is written to ``<data dir>/maps/carla/<Town>.xodr``, where
the embedded world finds its towns. Towns already exported are kept unless ``--overwrite``.
The ``_Opt`` variants of the server's list (layered copies of the same roads) are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sim.paths import DATA_DIR_ENV, resolve_data_dir

MAPS_SUBDIR = Path("maps") / "carla"  # as sim.maps.town reads them


class MapExportError(RuntimeError):
    """The server returned something that is not an OpenDRIVE map."""


def town_names(available: list[str]) -> list[str]:
    """Town names from the server's map paths (``/Game/Carla/Maps/Town01`` -> ``Town01``), no ``_Opt`` copies."""
    names = {path.rsplit("/", 1)[-1] for path in available}
    return sorted(name for name in names if not name.endswith("_Opt"))


def export_maps(client, towns: list[str] | None, data_dir: Path, overwrite: bool = False, log=print) -> list[Path]:
    """Load each town on the server behind ``client`` and write its OpenDRIVE text; returns the files written."""
    folder = data_dir / MAPS_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for town in towns or town_names(list(client.get_available_maps())):
        target = folder / f"{town}.xodr"
        if target.exists() and not overwrite:
            log(f"{town}: {target} exists, kept (--overwrite replaces it)")
            continue
        world = client.get_world()
        if world.get_map().name.rsplit("/", 1)[-1] != town:
            log(f"{town}: loading on the server")
            world = client.load_world(town)
        text = world.get_map().to_opendrive()
        if "<OpenDRIVE" not in text:
            raise MapExportError(f"{town}: the server's to_opendrive() returned no OpenDRIVE document")
        _write_text_atomically(target, text)
        log(f"{town}: {len(text) / 1e6:.1f} MB -> {target}")
        written.append(target)
    return written


def _write_text_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.carla.export_maps", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2000, help="the server's RPC port")
    parser.add_argument("--towns", nargs="*", default=None, help="e.g. Town12 Town13 (default: every town)")
    parser.add_argument("--data-dir", default=None, help=f"data directory (default: ${DATA_DIR_ENV}, then ./data)")
    parser.add_argument("--timeout", type=float, default=600.0, help="[s] client timeout (loading a town is slow)")
    parser.add_argument("--overwrite", action="store_true", help="replace towns already in the data directory")
    args = parser.parse_args(argv)
    try:
        import carla
    except ImportError:
        print("export_maps: the carla client is not installed (pip install -r requirements.txt)", file=sys.stderr)
        return 2
    client = carla.Client(args.host, args.port)
    client.set_timeout(args.timeout)
    try:
        export_maps(client, args.towns, resolve_data_dir(args.data_dir), args.overwrite)
    except RuntimeError as error:  # the client's timeouts and connection failures are RuntimeErrors
        print(f"export_maps: {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
