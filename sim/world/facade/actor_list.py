"""``carla.ActorList``, ``carla.WorldSnapshot`` and ``carla.ActorSnapshot`` of the embedded world."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import carla


class FacadeActorList:
    """A ``carla.ActorList``: iterable, indexable, ``filter(wildcard)`` on ``type_id`` and ``find(id)``."""

    def __init__(self, actors: Sequence) -> None:
        self._actors = list(actors)

    def __iter__(self) -> Iterator:
        return iter(self._actors)

    def __len__(self) -> int:
        return len(self._actors)

    def __getitem__(self, index: int):
        return self._actors[index]

    def __repr__(self) -> str:
        return f"ActorList({self._actors!r})"

    def filter(self, wildcard_pattern: str) -> FacadeActorList:
        """Actors whose ``type_id`` matches the pattern (``*`` and ``?`` wildcards, as CARLA's)."""
        return FacadeActorList([a for a in self._actors if fnmatch.fnmatchcase(a.type_id, wildcard_pattern)])

    def find(self, actor_id: int):
        """The actor with ``actor_id``, or None."""
        for actor in self._actors:
            if actor.id == actor_id:
                return actor
        return None


@dataclass(frozen=True)
class FacadeActorSnapshot:
    """A ``carla.ActorSnapshot``: one actor's state at the snapshot's frame."""

    id: int
    transform: carla.Transform
    velocity: carla.Vector3D
    angular_velocity: carla.Vector3D
    acceleration: carla.Vector3D

    def get_transform(self) -> carla.Transform:
        return self.transform

    def get_velocity(self) -> carla.Vector3D:
        return self.velocity

    def get_angular_velocity(self) -> carla.Vector3D:
        return self.angular_velocity

    def get_acceleration(self) -> carla.Vector3D:
        return self.acceleration

    @classmethod
    def of(cls, actor) -> FacadeActorSnapshot:
        return cls(actor.id, actor.get_transform(), actor.get_velocity(), actor.get_angular_velocity(),
                   actor.get_acceleration())  # fmt: skip


class FacadeWorldSnapshot:
    """A ``carla.WorldSnapshot``: ``id``, ``frame``, ``timestamp`` and the actors' states (taken on request)."""

    def __init__(self, episode_id: int, timestamp: carla.Timestamp, actors: Sequence) -> None:
        self.id, self.timestamp, self.frame = episode_id, timestamp, timestamp.frame
        self._actors = {actor.id: actor for actor in actors}

    def has_actor(self, actor_id: int) -> bool:
        return actor_id in self._actors

    def find(self, actor_id: int) -> FacadeActorSnapshot | None:
        actor = self._actors.get(actor_id)
        return None if actor is None else FacadeActorSnapshot.of(actor)

    def __iter__(self) -> Iterator[FacadeActorSnapshot]:
        return (FacadeActorSnapshot.of(actor) for actor in self._actors.values())

    def __len__(self) -> int:
        return len(self._actors)
