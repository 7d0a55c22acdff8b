"""Generate a realistic estate of N rooms across files, for the validate benchmark.

    python benchmarks/gen_rooms.py OUT_DIR [--rooms 10000] [--per-file 100]

Writes OUT_DIR/provisioner.yaml, OUT_DIR/rooms/users.yaml (the managed and
external users) and OUT_DIR/rooms/team-NNNN.yaml files of `--per-file` rooms,
each with file defaults; rooms mix 2 to 4 participants, tools objects,
whiteboard sub-tools, durations, recording and initiator aliases. The estate
is valid, so the benchmark measures the full happy path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

USERS_PER_TEAM = 8


def _user(team: int, member: int) -> str:
    return f"user-{team:04d}-{member}"


def _participants(team: int, index: int) -> list[str]:
    count = 2 + index % 3
    members = [(index + offset) % USERS_PER_TEAM for offset in range(count)]
    lines = [f"      - {{user_id: {_user(team, 0)}, is_admin: true}}"]
    for position, member in enumerate(m for m in members if m != 0):
        user = _user(team, member)
        if position % 3 == 0:
            lines.append(f"      - user_id: {user}")
        elif position % 3 == 1:
            lines += [
                f"      - user_id: {user}",
                "        tools: {chat: true, screen_sharing: true}",
            ]
        else:
            lines += [
                f"      - user_id: {user}",
                "        tools:",
                "          chat: true",
                "          whiteboard: {wb_pen: true, wb_text: true}",
            ]
    if index % 10 == 3:
        lines.append("      - user_id: external-desk")
    return lines


def _room(team: int, index: int) -> list[str]:
    lines = [
        f"  team-{team:04d}-room-{index:03d}:",
        f"    description: Team {team} room {index}",
    ]
    if index % 2:
        lines.append(f"    duration: {600 + 60 * (index % 50)}")
    if index % 4 == 0:
        lines.append("    recording: true")
    if index % 5 == 0:
        lines.append(f"    initiator_alias: {_user(team, 0)}")
    lines.append("    participants:")
    return lines + _participants(team, index)


def _room_file(team: int, first: int, count: int) -> str:
    lines = [
        "# yaml-language-server: $schema=../schemas/rooms.schema.json",
        "defaults:",
        "  call_type: audio_video",
        "  recording_type: manual",
        "rooms:",
    ]
    for index in range(first, first + count):
        lines += _room(team, index)
    return "\n".join(lines) + "\n"


def _users_file(teams: int) -> str:
    lines = ["users:"]
    for team in range(teams):
        for member in range(USERS_PER_TEAM):
            role = "plus" if member == 0 else "basic"
            lines.append(f"  {_user(team, member)}: {{role: {role}, language: en}}")
    lines.append("external_users: [external-desk]")
    return "\n".join(lines) + "\n"


def generate(out: Path, rooms: int = 10_000, per_file: int = 100) -> list[Path]:
    """Write the estate under `out`; returns the room files written."""
    (out / "rooms").mkdir(parents=True, exist_ok=True)
    (out / "provisioner.yaml").write_text("rooms: rooms/\nstate: rooms.state.json\n")
    teams = (rooms + per_file - 1) // per_file
    files = [out / "rooms" / "users.yaml"]
    files[0].write_text(_users_file(teams))
    for team in range(teams):
        count = min(per_file, rooms - team * per_file)
        path = out / "rooms" / f"team-{team:04d}.yaml"
        path.write_text(_room_file(team, 0, count))
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=100)
    args = parser.parse_args()
    files = generate(args.out, args.rooms, args.per_file)
    print(f"wrote {args.rooms} rooms in {len(files)} files under {args.out}")


if __name__ == "__main__":
    main()
