"""学习强国 points as the app's own export states them: imported snapshots, their figures and board."""
