"""Every default of the embedded world, in frozen dataclasses (the single source of its numbers).

Values that imitate CARLA name where they come from; values that are modelling choices of this
package say so. Units are in brackets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Leaderboard 1.0 background traffic: autopilot vehicles per town (specs/carla_leaderboard.md 1.8).
LB1_VEHICLES_PER_TOWN: dict[str, int] = {
    "Town01": 120,
    "Town02": 100,
    "Town03": 120,
    "Town04": 200,
    "Town05": 120,
    "Town06": 150,
    "Town07": 110,
    "Town08": 180,
    "Town09": 300,
    "Town10": 120,
    "Town10HD": 120,
}
DEFAULT_VEHICLES_PER_TOWN = 120  # towns LB1 does not list (Town11/12/13/15)


@dataclass(frozen=True)
class EgoDynamicsConfig:
    """Actuators and body of the leaderboard ego (Lincoln MKZ 2017, ``vehicle.lincoln.mkz2017``).

    The body is CARLA's bounding box of the MKZ (extent 2.445 x 1.06 x 0.745 m, mirrors included in
    the width). The motion is a kinematic bicycle about the rear axle; the actuator numbers are a
    model fitted by eye to CARLA's PhysX behaviour, not a copy of it.

    Attributes:
        length, width, height: [m] box of the ego.
        wheelbase: [m] MKZ 2017 wheelbase.
        rear_axle_to_center: [m] from the rear axle forward to the box centre (length / 2 minus the
            MKZ's ~1.10 m rear overhang).
        max_steer_angle: [rad] front-wheel angle at ``steer = 1`` (CARLA's MKZ physics: 70 deg).
        steering_curve: ``((speed [km/h], factor), ...)`` CARLA's default ``steering_curve`` of
            four-wheeled vehicles: the wheel angle shrinks with speed.
        steer_time_constant: [s] first-order lag from the commanded to the actual wheel angle.
        max_lateral_acceleration: [m/s^2] tyre limit; above it the bicycle understeers (curvature
            clipped), as PhysX tyres slip.
        max_drive_acceleration: [m/s^2] per unit of throttle above the holding throttle.
        hold_throttle: ``(c1 [s/m], c2 [s^2/m^2])``: the throttle that holds speed ``v`` on a flat road
            is ``c1 v + c2 v^2`` (v capped at ``hold_speed_cap``), from the zero-error terms of the
            longitudinal regression carla_garage fitted to CARLA's vehicles (spec 6.3): about 0.28 at
            8 m/s, as PID controllers tuned in CARLA expect.
        hold_speed_cap: [m/s] where that quadratic peaks (its fit range ends).
        coast_deceleration: [m/s^2] most deceleration from releasing the throttle (engine braking).
        max_reverse_speed: [m/s] reverse gear cap.
        max_brake_deceleration: [m/s^2] at ``brake = 1``.
        hand_brake_deceleration: [m/s^2] with ``hand_brake`` (rear wheels locked).
        drag_per_mass: [1/m] aerodynamic deceleration = this * speed^2 (0.5 rho Cd A / m with
            rho 1.2 kg/m^3, Cd 0.3 (CARLA's default drag), A 2.2 m^2, m 1845 kg).
    """

    length: float = 4.89
    width: float = 2.12
    height: float = 1.49
    wheelbase: float = 2.85
    rear_axle_to_center: float = 1.345
    max_steer_angle: float = math.radians(70.0)
    steering_curve: tuple[tuple[float, float], ...] = ((0.0, 1.0), (20.0, 0.9), (60.0, 0.8), (120.0, 0.7))
    steer_time_constant: float = 0.1
    max_lateral_acceleration: float = 8.0
    max_drive_acceleration: float = 4.0
    hold_throttle: tuple[float, float] = (0.043165, -0.0010443)
    hold_speed_cap: float = 20.6
    coast_deceleration: float = 0.6
    max_reverse_speed: float = 8.0
    max_brake_deceleration: float = 8.0
    hand_brake_deceleration: float = 5.0
    drag_per_mass: float = 2.15e-4


@dataclass(frozen=True)
class IdmConfig:
    """Intelligent Driver Model of background vehicles (Treiber et al.) and their junction manners.

    Attributes:
        time_headway: [s] desired time gap T.
        min_gap: [m] jam distance s0 (bumper to bumper).
        max_acceleration: [m/s^2] a.
        comfortable_deceleration: [m/s^2] b.
        max_deceleration: [m/s^2] emergency braking limit.
        exponent: delta of the free-road term.
        speed_factor: fraction of the lane's speed limit vehicles aim for.
        default_speed: [m/s] aim when a lane has no limit.
        max_speed: [m/s] cap on the aim (LB1 towns list 90 km/h limits on urban roads).
        lookahead_time: [s] the path is searched for obstacles over ``speed * this``...
        min_lookahead, max_lookahead: [m] ...clipped to these.
        path_margin: [m] lateral slack added to half widths when an obstacle blocks a path.
        stop_sign_wait: [s] standstill at a stop line before going on.
        yield_time: [s] a vehicle approaching an unsignalised junction yields to another whose
            arrival is sooner than its own by this much or is inside already.
        junction_approach: [m] distance before a junction within which yielding is decided.
        stuck_time: [s] a vehicle slower than 0.1 m/s this long, out of the ego's sight, respawns.
        junction_unjam_time: [s] a vehicle standing this long inside a junction stops treating other
            background vehicles as obstacles (crossing vehicles can hold each other: gridlock).
    """

    time_headway: float = 1.5
    min_gap: float = 2.5
    max_acceleration: float = 2.0
    comfortable_deceleration: float = 3.0
    max_deceleration: float = 8.0
    exponent: float = 4.0
    speed_factor: float = 0.8
    default_speed: float = 8.3
    max_speed: float = 15.0
    lookahead_time: float = 4.0
    min_lookahead: float = 15.0
    max_lookahead: float = 50.0
    path_margin: float = 0.4
    stop_sign_wait: float = 1.0
    yield_time: float = 1.0
    junction_approach: float = 12.0
    stuck_time: float = 30.0
    junction_unjam_time: float = 8.0


@dataclass(frozen=True)
class TrafficConfig:
    """How many background actors there are and where they live.

    Attributes:
        num_vehicles: fixed vehicle count; ``None`` scales the town's LB1 count by the share of the
            town's lane length that lies within ``active_radius`` of the ego's start.
        density_scale: multiplies the LB1-derived count (benchmarks with lighter traffic < 1).
        num_walkers: walkers around the ego (crossing at crosswalks, or along kerbs).
        active_radius: [m] actors are kept within this distance of the ego.
        despawn_radius: [m] actors farther than this from the ego are respawned near it.
        respawn_min_distance: [m] respawned actors appear at least this far from the ego (out of
            the near field, so nothing pops up in front of the cameras).
        spawn_clearance: [m] minimum centre distance between spawned vehicles.
        ego_clearance: [m] no vehicle spawns closer than this to the ego at start.
        vehicle_length, vehicle_width, vehicle_height: [m] ranges ``(low, high)`` of car boxes.
        walker_speed: [m/s] range ``(low, high)``.
        walker_pause: [s] range of the wait on the kerb between crossings.
    """

    num_vehicles: int | None = None
    density_scale: float = 1.0
    num_walkers: int = 20
    active_radius: float = 100.0
    despawn_radius: float = 120.0
    respawn_min_distance: float = 60.0
    spawn_clearance: float = 7.0
    ego_clearance: float = 15.0
    vehicle_length: tuple[float, float] = (3.8, 5.2)
    vehicle_width: tuple[float, float] = (1.8, 2.1)
    vehicle_height: tuple[float, float] = (1.4, 1.8)
    walker_speed: tuple[float, float] = (1.0, 1.6)
    walker_pause: tuple[float, float] = (2.0, 10.0)


@dataclass(frozen=True)
class LightTimingConfig:
    """Traffic-light cycle of one junction (CARLA's defaults): one light green at a time.

    Attributes:
        green: [s] green time of each light.
        yellow: [s] yellow time.
        all_red: [s] every light of the junction red between two greens.
        random_phase: start each junction at a seeded random point of its cycle (else all at 0).
    """

    green: float = 10.0
    yellow: float = 3.0
    all_red: float = 2.0
    random_phase: bool = True


@dataclass(frozen=True)
class WorldConfig:
    """Everything the world needs besides the map, the route and the seed.

    Attributes:
        dt: [s] default tick (20 Hz, the leaderboard's ``fixed_delta_seconds``).
        spawn_height: [m] the ego spawns raised by this much (leaderboard), then settles.
        scenario_spawn_distance: [m] scenario actors are placed when the ego is this close to
            the trigger (LB2 builds scenarios within 500 m; the BEV world needs less).
        scenario_timeout: [s] a running scenario that has not ended after this is timed out
            (LB2's ``ScenarioTimeout`` default).
    """

    dt: float = 0.05
    spawn_height: float = 0.5
    scenario_spawn_distance: float = 80.0
    scenario_timeout: float = 240.0
    ego: EgoDynamicsConfig = field(default_factory=EgoDynamicsConfig)
    idm: IdmConfig = field(default_factory=IdmConfig)
    traffic: TrafficConfig = field(default_factory=TrafficConfig)
    lights: LightTimingConfig = field(default_factory=LightTimingConfig)
