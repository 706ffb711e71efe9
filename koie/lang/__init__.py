"""The rule language: rule files (YAML) to programs. load → parse → resolve → compile."""
