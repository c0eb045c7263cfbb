"""Weekly study plans, the year plan, reading, reflections and 三会一课 records."""
