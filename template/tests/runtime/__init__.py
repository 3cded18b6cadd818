"""Tests of the machinery in src/<package>/runtime/: settings, launch, sync, the command line."""
