"""LMGenDrive (arXiv 2604.08719): language-conditioned driving with a diffusion world generator.

No public code exists; this is a re-implementation from the paper and LMDrive's released code
(see ``shared/specs/models.md`` section 1). Modules: :mod:`.config` (presets ``tiny`` / ``cpu`` /
``full``), :mod:`.vision_encoder`, :mod:`.qformer`, :mod:`.llm`, :mod:`.action_head`, :mod:`.world_fusion`,
:mod:`.world_generator`, :mod:`.model` (:class:`~models.lmgendrive.model.LMGenDrive`),
:mod:`.training` (stages 1-3), :mod:`.text` (tokenizers), :mod:`.inputs` (what the planner and the
training data share), :mod:`.targets` (stage-1 targets), :mod:`.data` (our expert dataset),
:mod:`.lmdrive_data` (LMDrive's published dataset), :mod:`.train` (the training command).
"""
