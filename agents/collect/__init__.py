"""Expert data collection in the embedded world: ``python -m agents.collect --out DATASET --episodes N``.

The privileged expert drives training routes (leaderboard training files and random routes, cut
clear of every evaluation route) with background traffic and leaderboard-1.0 scenarios, through
the ordinary leaderboard agent, so every input is what an agent gets; recovery bursts perturb its
control while its plan stays the label. Samples (10 Hz) go into the sharded dataset of
``models.common.driving_data``. Modules, in the order a collection uses them:

- ``settings``: every number (recorded in the manifest); ``run``: the whole collection;
- ``evaluation_routes``, ``overlap``, ``training_routes``, ``random_routes``, ``plan``: which routes;
- ``workers``, ``progress``: processes, budget and the progress line;
- ``episode``: one drive; ``agent``, ``labelling``, ``signals``, ``perturbation``: the agent side;
- ``sample``, ``sample_buffer``, ``material``: what a sample and an episode store;
- ``scene``, ``scene_source``, ``score_vocabulary``: scoring scenes of samples; ``stats``: data statistics.
"""
