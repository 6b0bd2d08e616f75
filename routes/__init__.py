"""Route sets and their loaders: leaderboard 1.0 (+ scenario JSON), leaderboard 2.0 / Bench2Drive, LangAuto."""
