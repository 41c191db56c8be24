"""Government-service cases (政务服务办件): catalogue, cases, appointments, evaluation."""
