/**
 * TAs (admin token):
 *   POST /api/admin/reveal      show the private board now
 *   POST /api/admin/students    {"name"} → {"name", "token"}
 */
import { Ajv } from 'ajv';
import express from 'express';
import type { AppContext } from '../context.js';
import { checkBody } from '../http-error.js';

const validateStudentBody = new Ajv({ allErrors: true }).compile({
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name: { type: 'string' } },
});

export function adminRoutes(ctx: AppContext, json: express.RequestHandler): express.Router {
  const router = express.Router();

  router.post('/api/admin/reveal', (req, res) => {
    ctx.requireRole(req, ['admin']);
    ctx.store.setSetting('private_revealed', true);
    res.json({ private_revealed: true });
  });

  router.post('/api/admin/students', json, (req, res) => {
    ctx.requireRole(req, ['admin']);
    checkBody(validateStudentBody, req.body, 'body');
    const { token, student } = ctx.store.addStudent((req.body as { name: string }).name);
    res.status(201).json({ name: student.name, token });
  });

  return router;
}
