"""The pipeline's steps: one small module each, listed in order in `processing_svc.domain.pipeline`."""
