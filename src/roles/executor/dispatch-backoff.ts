/**
 * When an execution that found no worker (or was never picked up) is offered again:
 * 1, 2, 4 … 30 s after its previous try. Shared by the scheduler and the sweeper.
 */
export const NEXT_DISPATCH_SQL = `now() + make_interval(secs => LEAST(30, power(2, dispatch_attempts)))`;
