"""A cheaper Argon2 for the test suite: the same algorithm and hash format, with small
cost parameters so that building people in every role does not dominate test time."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # hashes stay readable by the production hasher
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
