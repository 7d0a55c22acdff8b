"""Reading the user's files: the only stage that opens provisioner.yaml or a room file.

load.py        provisioner.yaml -> Settings, room files -> Estate, every problem
files.py       finding room files: every folder read or reported, none outside the root
yamlio.py      strict YAML: safe loading, duplicate keys refused, node positions
yamlbuild.py   YAML nodes -> plain values, noting duplicates, aliases and surprises
yamlmeaning.py plain scalars YAML 1.1 and 1.2 read differently (one meaning per file)
yamlpath.py    paths into a node tree (`rooms.standup.participants[1]`)
schema.py      the API rules (rules.py) as JSON Schema 2020-12
validation.py  schema checks (jsonschema-rs), errors as `file:line:col` problems
estate.py      one room file -> rooms and users (RoomSpec, UserSpec)
crossfile.py   the rules that span files (unique names and descriptions, users)
entries.py     the moved, import and removed entries checked across files
dumpfile.py    `provisioner dump`'s room files (the one writer of room files)
scaffold.py    `provisioner init`: the files a new repository starts from
citemplates.py the CI files `init --ci` writes, and where
roomfmt.py     `provisioner fmt`: one canonical layout, every comment kept
roundtrip.py   ruamel.yaml's round trip, set up once (and two of its bugs fixed)
roomcomments.py comments moved with their keys when fmt reorders a mapping
"""

from provisioner.config.files import ROOM_FILE_SUFFIXES
from provisioner.config.load import (
    SETTINGS_FILE,
    check,
    display_path,
    load_estate,
    load_settings,
    read_settings,
    state_tracked_warning,
)
from provisioner.model import Estate, Settings

__all__ = [
    "ROOM_FILE_SUFFIXES",
    "SETTINGS_FILE",
    "Estate",
    "Settings",
    "check",
    "display_path",
    "load_estate",
    "load_settings",
    "read_settings",
    "state_tracked_warning",
]
