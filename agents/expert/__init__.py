"""The privileged rule-based expert: route view, actor rules, speed profile and the planner."""
