"""From a planned trajectory to a vehicle control: PID control and momentum-aware selection."""
