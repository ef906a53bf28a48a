"""placeholder"""
class CommutingModel:  # noqa: D101
    pass
