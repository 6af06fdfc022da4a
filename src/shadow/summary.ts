// The exchange handler used until a diff pipeline is plugged in: one log line per compared pair.
import type { Logger } from '../log';
import type { ExchangeHandler } from './exchange';

export function logSummary(logger: Logger): ExchangeHandler {
  return ({ id, route, reference, candidate }) => {
    const ref = reference.response;
    const cand = candidate.response;
    logger.info(
      {
        id,
        route: route.name,
        reference: ref ? ref.status : reference.error?.code,
        candidate: cand ? cand.status : candidate.error?.code,
        sameBody: ref && cand ? ref.body.equals(cand.body) : undefined,
        referenceMs: Math.round(reference.latencyMs),
        candidateMs: Math.round(candidate.latencyMs),
      },
      'shadow exchange',
    );
  };
}
