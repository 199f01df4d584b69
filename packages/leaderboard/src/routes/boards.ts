/**
 * The boards and the class rules:
 *   GET /api/leaderboard[?board=private]   JSON board (private: after the deadline, reveal, or admin)
 *   GET /api/leaderboard.csv               admin: every student's entry, public and private metrics
 *   GET /api/config                        the class rules (required architecture, limits, ranking)
 *   GET /healthz                           queue counts
 *   GET /                                  the board page
 *   GET /students/:name                    a student's history page
 */
import express, { type Request } from 'express';
import type { AppContext } from '../context.js';
import type { Side } from '../heldout.js';
import { boardCsv, renderBoardPage, renderStudentPage } from '../html.js';
import { HttpError } from '../http-error.js';

function requestedSide(ctx: AppContext, req: Request): Side {
  const side = req.query.board ?? 'public';
  if (side !== 'public' && side !== 'private') {
    throw new HttpError(400, `board: found ${JSON.stringify(side)}, expected "public" or "private"`);
  }
  if (side === 'private' && !ctx.privateRevealed() && !ctx.isAdmin(req)) {
    throw new HttpError(403, 'the private board is revealed after the deadline');
  }
  return side;
}

export function boardRoutes(ctx: AppContext): express.Router {
  const { store, config } = ctx;
  const router = express.Router();

  router.get('/api/leaderboard', (req, res) => {
    const side = requestedSide(ctx, req);
    res.json({
      title: config.title,
      generated_at: new Date(store.now()).toISOString(),
      private_revealed: ctx.privateRevealed(),
      tuning_budget_usd: config.tuningBudgetUsd,
      ranking: config.ranking,
      selection: config.selection,
      ...ctx.board(side),
    });
  });

  router.get('/api/leaderboard.csv', (req, res) => {
    ctx.requireRole(req, ['admin']);
    res.type('text/csv').send(boardCsv(ctx.board('public'), ctx.board('private'), store));
  });

  router.get('/', (_req, res) => {
    const revealed = ctx.privateRevealed();
    res.type('html').send(
      renderBoardPage({
        config,
        public: ctx.board('public'),
        private: revealed ? ctx.board('private') : null,
        queue: store.queueCounts(),
        now: store.now(),
      }),
    );
  });

  router.get('/students/:name', (req, res) => {
    const student = store.studentByName(req.params.name);
    if (!student) throw new HttpError(404, `student "${req.params.name}": not found`);
    const history = store.submissionsOf(student.id).map((s) => ({ sub: s, score: store.score(s.id) }));
    res.type('html').send(renderStudentPage({ config, student, history, now: store.now() }));
  });

  // The class rules a client needs before uploading (the submit command checks the header locally).
  router.get('/api/config', (_req, res) => {
    res.json({
      title: config.title,
      architecture: config.architecture,
      evaluation: config.evaluation,
      max_checkpoint_bytes: ctx.maxUploadBytes,
      daily_limit: config.dailyLimit,
      tuning_budget_usd: config.tuningBudgetUsd,
      over_budget: config.overBudget,
      selection: config.selection,
      ranking: config.ranking,
      deadline: config.deadline ?? null,
    });
  });

  router.get('/healthz', (_req, res) => {
    res.json({ ok: true, queue: store.queueCounts() });
  });

  return router;
}
