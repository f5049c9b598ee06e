// The Admin API half of the local stand-in for api.openai.com: projects, service accounts, project
// API keys, admin keys and costs, for one organization. openai-server.mjs routes every
// /v1/organization/* request here (and admin keys sent to /v1/models or chat completions).
//
// Plain ESM JavaScript, like openai-server.mjs; types in openai-server.d.mts. Where the public
// record leaves a behaviour open, it is a toggle (`world.toggles`) rather than a guess:
//   serviceAccountKeyDelete  'error' (the long-standing behaviour: DELETE of a service account's key
//                            is refused with 400) or 'allow' (the newer one: it deletes that key)
//   keyUpdate                whether POST .../api_keys/{id} (scopes, expiry) exists (newer)
//   errorShape               permission errors as {"error": {message, type, param, code}} or as
//                            {"error": "<message>"} (both are reported)
//   missingScopeStatus       403 (most reports) or 401 for "Missing scopes: …"
//   missingScopeForm         'long' ("Missing scopes: x. Check that…", code null) or 'short' (the
//                            2026 form: "Missing scopes: x", no full stop, code missing_scope)
//   ownerProjectAccess       'visible' (every key listed) or 'membership' (without
//                            owner_project_access=any, user-owned keys are left out of the list)
// User keys (legacy sk-…, sk-None-…) are in no project's key list, as on the real API (isUserKey).
// Messages marked UNCONFIRMED are not known from a capture.

/** @typedef {import('./openai-server.d.mts').AdminToggles} AdminToggles */
/** @typedef {import('./openai-server.d.mts').AdminScope} AdminScope */

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY = 86_400;
const ALL_SCOPES = /** @type {const} */ (['api.management.read', 'api.management.write', 'api.usage.read']);

/** @returns {AdminToggles} */
export function defaultToggles() {
  return {
    serviceAccountKeyDelete: 'error',
    keyUpdate: false,
    errorShape: 'nested',
    missingScopeStatus: 403,
    missingScopeForm: 'long',
    ownerProjectAccess: 'visible',
    newServiceAccountKey: 'valid',
    maxBucketsPerPage: null,
  };
}

/**
 * A user's key: legacy `sk-…` (no kind after `sk-`) or `sk-None-…`. It belongs to its user, in every
 * project the user is in, not to one project: no project's key list holds it (the captured lists
 * show only sk-proj-, sk-svcacct- and admin keys), so the Admin API can neither list nor delete it.
 */
function isUserKey(key) {
  // A legacy key has exactly this shape; other `sk-<word>-…` keys (2024's service-account keys
  // named after their account) are a project's.
  return key.startsWith('sk-None-') || /^sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}$/.test(key);
}

const err = (message, type, code, param = null) => ({ error: { message, type, param, code } });

/** The permission error, in the shape and form the toggles ask for. */
function missingScopeBody(scope, shape, form = 'long') {
  const message =
    form === 'short'
      ? `You have insufficient permissions for this operation. Missing scopes: ${scope}`
      : `You have insufficient permissions for this operation. Missing scopes: ${scope}. Check that you have the correct role in your organization, and if you're using a restricted API key, that it has the necessary scopes.`;
  return shape === 'string' ? { error: message } : err(message, 'invalid_request_error', form === 'short' ? 'missing_scope' : null);
}

/** Values of an array query parameter in any of the forms clients send: `x[]=a`, `x=a&x=b`, `x=a,b`. */
export function queryArray(params, name) {
  return [...params.getAll(`${name}[]`), ...params.getAll(name)].flatMap((v) => v.split(',')).filter(Boolean);
}

/**
 * The organization's state, and the answer to one admin request.
 * @param {{
 *   derive: (seed: string, length: number, charset: string) => string,
 *   makeKey: (kind: 'svcacct', seed: string) => string,
 *   maskKey: (key: string) => string,
 *   keys: Map<string, { project: string, organization: string, scenario: string }>,
 *   addKey: (key: string, setup: object) => void,
 *   missingKeyBody: () => object,
 *   invalidKeyBody: (key: string) => object,
 *   now: () => number,
 * }} deps
 */
export function createAdminWorld(deps) {
  const { derive, makeKey, maskKey, keys } = deps;
  /** @type {Map<string, { id: string, name: string, scopes: Set<string>, created_at: number }>} */
  const adminKeys = new Map();
  /** @type {Map<string, { id: string, name: string | null, created_at: number, archived_at: number | null }>} */
  const projects = new Map();
  /** @type {Map<string, { id: string, name: string, role: string, created_at: number, projectId: string }>} */
  const serviceAccounts = new Map();
  /** Names, ids and owners of project keys; made up on first sight for keys added with addKey. */
  const keyMeta = new Map();
  /** @type {Array<{ start: number, projectId: string | null, amount: number, lineItem: string | null }>} */
  const costs = [];
  /** @type {Array<{ method?: string, path: RegExp, status: number, body: unknown, times: number }>} */
  const failures = [];
  const toggles = defaultToggles();
  let counter = 0;

  const nowS = () => Math.floor(deps.now() / 1000);

  function ensureProject(id) {
    if (!projects.has(id)) projects.set(id, { id, name: null, created_at: 1711471533, archived_at: null });
    return projects.get(id);
  }

  function metaOf(key) {
    let meta = keyMeta.get(key);
    if (!meta) {
      meta = {
        id: `key_${derive(`keyid:${key}`, 16, ALNUM)}`,
        name: 'Secret key',
        created_at: 1750493476,
        last_used_at: null,
        owner: { type: 'user', user: { id: `user-${derive(`owner:${keys.get(key)?.organization}`, 24, ALNUM)}`, email: 'you@example.com', name: 'You', created_at: 1615456045, role: 'owner' } },
      };
      keyMeta.set(key, meta);
    }
    return meta;
  }

  /**
   * Project keys (not admin keys) of a project, oldest first: those its key list holds, so never a
   * user's key (isUserKey), whatever project /v1/models names for it.
   */
  function projectKeys(projectId) {
    return [...keys.entries()].filter(([key, setup]) => setup.project === projectId && !isUserKey(key)).map(([key]) => ({ key, meta: metaOf(key) }));
  }

  function keyObject({ key, meta }) {
    return {
      object: 'organization.project.api_key',
      redacted_value: maskKey(key),
      name: meta.name,
      created_at: meta.created_at,
      last_used_at: meta.last_used_at,
      id: meta.id,
      owner_project_access: 'active',
      owner: meta.owner,
    };
  }

  const projectObject = (p) => ({
    id: p.id,
    object: 'organization.project',
    name: p.name,
    created_at: p.created_at,
    archived_at: p.archived_at,
    status: p.archived_at === null ? 'active' : 'archived',
    external_key_id: null,
  });

  const serviceAccountObject = (sa) => ({ object: 'organization.project.service_account', id: sa.id, name: sa.name, role: sa.role, created_at: sa.created_at });

  /** A cursor page of `items` (each with an id) from the query's `after` and `limit`. */
  function listPage(items, params, maxLimit = 100, defaultLimit = 20) {
    const limit = params.has('limit') ? Number(params.get('limit')) : defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) return { invalid: `Invalid 'limit': expected an integer between 1 and ${maxLimit}.` };
    const after = params.get('after');
    const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
    // A cursor that names no item (never documented as an error): an empty last page. Nothing
    // more to follow, or a client that pages on `has_more` would ask for the same page forever.
    if (after && start === 0) return { object: 'list', data: [], first_id: null, last_id: null, has_more: false };
    const data = items.slice(start, start + limit);
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + limit < items.length };
  }

  /** A new service-account key in a project, live at once. */
  function issueKey(projectId, serviceAccount, name) {
    const seq = counter++;
    const value = makeKey('svcacct', `issued-${seq}-${serviceAccount.id}`);
    // The organization of the project's keys, user keys included (their organization is the project's).
    const organization = [...keys.values()].find((setup) => setup.project === projectId)?.organization;
    deps.addKey(value, { scenario: toggles.newServiceAccountKey, project: projectId, ...(organization ? { organization } : {}) });
    keyMeta.set(value, {
      id: `key_${derive(`issued:${seq}`, 16, ALNUM)}`,
      name,
      created_at: nowS(),
      last_used_at: null,
      owner: { type: 'service_account', service_account: { id: serviceAccount.id, name: serviceAccount.name, created_at: serviceAccount.created_at, role: serviceAccount.role } },
    });
    const meta = keyMeta.get(value);
    return { object: 'organization.project.service_account.api_key', value, name, created_at: meta.created_at, id: meta.id };
  }

  /**
   * The answer to an admin request, as { status, body } (the server adds the headers), or null
   * when the path is not an admin path.
   * @param {{ method: string, path: string, params: URLSearchParams, key: string | null, body: unknown, bodyIsJson: boolean }} x
   */
  function answer(x) {
    const { method, path, params, key } = x;
    const route = path.replace(/^\/v1\/organization/, '');
    const failure = failures.find((f) => f.path.test(path) && (!f.method || f.method === method));
    const ok = (body) => ({ status: 200, body });
    const notFound = (what) => ({ status: 404, body: err(`${what} not found.`, 'invalid_request_error', null) }); // UNCONFIRMED wording
    const badRequest = (message, code = null, param = null) => ({ status: 400, body: err(message, 'invalid_request_error', code, param) });
    const invalidUrl = () => ({ status: 404, body: err(`Invalid URL (${method} ${path})`, 'invalid_request_error', null) });

    // Which scope the route needs, and whether it exists at all.
    const segments = route.split('/').filter(Boolean);
    let scope = null;
    if (segments[0] === 'costs' && segments.length === 1 && method === 'GET') scope = 'api.usage.read';
    else if (segments[0] === 'projects' || segments[0] === 'admin_api_keys') scope = method === 'GET' ? 'api.management.read' : 'api.management.write';
    if (!scope) return invalidUrl();

    if (key === null) return { status: 401, body: deps.missingKeyBody() };
    const admin = adminKeys.get(key);
    if (!admin) {
      // A project key on an admin endpoint: it lacks every admin scope.
      if (keys.has(key)) return { status: toggles.missingScopeStatus, body: missingScopeBody(scope === 'api.usage.read' ? scope : 'api.management.read', toggles.errorShape, toggles.missingScopeForm) };
      return { status: 401, body: deps.invalidKeyBody(key) };
    }
    if (!admin.scopes.has(scope)) return { status: toggles.missingScopeStatus, body: missingScopeBody(scope, toggles.errorShape, toggles.missingScopeForm) };
    if (failure) {
      if (--failure.times <= 0) failures.splice(failures.indexOf(failure), 1);
      return { status: failure.status, body: failure.body, ...(failure.headers ? { headers: failure.headers } : {}) };
    }
    const body = /** @type {Record<string, unknown>} */ (x.bodyIsJson && x.body && typeof x.body === 'object' ? x.body : {});
    if (!x.bodyIsJson) return badRequest('We could not parse the JSON body of your request.');

    if (segments[0] === 'costs') return costsAnswer(params);

    if (segments[0] === 'admin_api_keys') {
      if (segments.length !== 1 || method !== 'GET') return invalidUrl();
      const items = [...adminKeys.entries()].map(([value, k]) => ({
        object: 'organization.admin_api_key',
        id: k.id,
        name: k.name,
        redacted_value: maskKey(value),
        created_at: k.created_at,
        expires_at: null,
        last_used_at: null,
        owner: { type: 'user', object: 'organization.user', id: 'user-owner', name: 'You', created_at: 1615456045, role: 'owner' },
      }));
      const page = listPage(items, params);
      return page.invalid ? badRequest(page.invalid) : ok(page);
    }

    // /projects[/{id}[/service_accounts|api_keys[/{id}[/api_keys]]]]
    const [, projectId, collection, itemId, sub] = segments;
    if (!projectId) {
      if (method !== 'GET') return invalidUrl();
      const all = [...projects.values()].filter((p) => params.get('include_archived') === 'true' || p.archived_at === null).map(projectObject);
      const page = listPage(all, params);
      return page.invalid ? badRequest(page.invalid) : ok(page);
    }
    const project = projects.get(projectId);
    if (!project) return notFound(`Project with ID '${projectId}'`);
    if (!collection) return method === 'GET' ? ok(projectObject(project)) : invalidUrl();
    const archived = project.archived_at !== null;

    if (collection === 'service_accounts') {
      const accounts = () => [...serviceAccounts.values()].filter((sa) => sa.projectId === projectId);
      if (!itemId) {
        if (archived) return badRequest(`Project ${projectId} is archived.`); // UNCONFIRMED wording
        if (method === 'GET') {
          const page = listPage(accounts().map(serviceAccountObject), params);
          return page.invalid ? badRequest(page.invalid) : ok(page);
        }
        if (method !== 'POST') return invalidUrl();
        if (typeof body.name !== 'string' || !body.name) return badRequest("Missing required parameter: 'name'.", 'missing_required_parameter', 'name');
        const only = body.create_service_account_only === true;
        const sa = { id: `svc_acct_${derive(`sa:${counter++}:${body.name}`, 24, ALNUM)}`, name: body.name, role: only ? 'none' : 'member', created_at: nowS(), projectId };
        serviceAccounts.set(sa.id, sa);
        return ok({ ...serviceAccountObject(sa), api_key: only ? null : issueKey(projectId, sa, 'Secret Key') });
      }
      const sa = serviceAccounts.get(itemId);
      if (!sa || sa.projectId !== projectId) return notFound(`Service account with ID '${itemId}'`);
      if (sub === 'api_keys' && method === 'POST') {
        const name = typeof body.name === 'string' ? body.name : 'Secret Key';
        return ok(issueKey(projectId, sa, name));
      }
      if (sub) return invalidUrl();
      if (method === 'GET') return ok(serviceAccountObject(sa));
      if (method !== 'DELETE') return invalidUrl();
      if (archived) return badRequest(`Project ${projectId} is archived.`); // UNCONFIRMED wording
      serviceAccounts.delete(sa.id);
      // Its keys stop working with it.
      for (const { key, meta } of projectKeys(projectId)) if (meta.owner.service_account?.id === sa.id) keys.delete(key);
      return ok({ object: 'organization.project.service_account.deleted', id: sa.id, deleted: true });
    }

    if (collection === 'api_keys') {
      if (!itemId) {
        if (method !== 'GET') return invalidUrl();
        const access = params.get('owner_project_access');
        if (access && !['active', 'inactive', 'any'].includes(access)) return badRequest(`Invalid value for 'owner_project_access': ${access}.`);
        let listed = projectKeys(projectId);
        if (access === 'inactive') listed = [];
        else if (!access && toggles.ownerProjectAccess === 'membership') listed = listed.filter(({ meta }) => meta.owner.type !== 'user');
        const page = listPage(listed.map(keyObject), params);
        return page.invalid ? badRequest(page.invalid) : ok(page);
      }
      const found = projectKeys(projectId).find(({ meta }) => meta.id === itemId);
      if (!found || sub) return found ? invalidUrl() : notFound(`API key with ID '${itemId}'`);
      if (method === 'GET') return ok(keyObject(found));
      if (method === 'POST') {
        if (!toggles.keyUpdate) return invalidUrl();
        const scopes = body.scopes;
        const expires = body.expires_in_seconds;
        if (scopes === undefined && expires === undefined) return badRequest('Provide scopes or expires_in_seconds.');
        if (expires !== undefined && (!Number.isInteger(expires) || expires < 1 || expires > 31_536_000)) return badRequest("Invalid 'expires_in_seconds'.", null, 'expires_in_seconds');
        return ok({ ...keyObject(found), ...(expires !== undefined ? { expires_at: nowS() + Number(expires) } : {}) });
      }
      if (method !== 'DELETE') return invalidUrl();
      if (found.meta.owner.type === 'service_account' && toggles.serviceAccountKeyDelete === 'error') {
        return badRequest('API keys owned by a service account cannot be deleted; delete the service account instead.'); // UNCONFIRMED wording
      }
      keys.delete(found.key);
      return ok({ object: 'organization.project.api_key.deleted', id: found.meta.id, deleted: true });
    }
    return invalidUrl();
  }

  /** GET /v1/organization/costs: daily buckets from start_time, grouped as asked, a page at a time. */
  function costsAnswer(params) {
    const bad = (message, param) => ({ status: 400, body: err(message, 'invalid_request_error', param ? 'invalid_value' : null, param ?? null) });
    if (!params.has('start_time')) return { status: 400, body: err("Missing required parameter: 'start_time'.", 'invalid_request_error', 'missing_required_parameter', 'start_time') };
    const start = Number(params.get('start_time'));
    const end = params.has('end_time') ? Number(params.get('end_time')) : nowS();
    if (!Number.isInteger(start) || !Number.isInteger(end)) return bad("Invalid 'start_time' or 'end_time': expected Unix seconds.", 'start_time');
    const width = params.get('bucket_width') ?? '1d';
    if (width !== '1d') return bad(`Invalid value for 'bucket_width': ${width}. Only '1d' is supported.`, 'bucket_width');
    const limit = params.has('limit') ? Number(params.get('limit')) : 7;
    if (!Number.isInteger(limit) || limit < 1 || limit > 180) return bad("Invalid 'limit': expected an integer between 1 and 180.", 'limit');
    const groupBy = queryArray(params, 'group_by');
    for (const g of groupBy) if (!['project_id', 'line_item', 'api_key_id'].includes(g)) return bad(`Invalid value for 'group_by': ${g}.`, 'group_by');
    const projectIds = queryArray(params, 'project_ids');

    const page = params.get('page');
    let from = start;
    if (page) {
      const decoded = Number(Buffer.from(page.replace(/^page_/, ''), 'base64url').toString());
      if (!Number.isInteger(decoded)) return bad("Invalid 'page' cursor.", 'page');
      from = decoded;
    }
    const perPage = Math.min(limit, toggles.maxBucketsPerPage ?? limit);
    const data = [];
    let bucket = from;
    for (; bucket < end && data.length < perPage; bucket += DAY) {
      const inBucket = costs.filter((c) => c.start >= bucket && c.start < bucket + DAY && (projectIds.length === 0 || projectIds.includes(c.projectId ?? '')));
      const groups = new Map();
      for (const c of inBucket) {
        const project = groupBy.includes('project_id') ? c.projectId : null;
        const lineItem = groupBy.includes('line_item') ? c.lineItem : null;
        const id = `${project}\0${lineItem}`;
        const g = groups.get(id) ?? { project, lineItem, value: 0 };
        g.value += c.amount;
        groups.set(id, g);
      }
      data.push({
        object: 'bucket',
        start_time: bucket,
        end_time: bucket + DAY,
        results: [...groups.values()].map((g) => ({
          object: 'organization.costs.result',
          amount: { value: g.value, currency: 'usd' },
          line_item: g.lineItem,
          project_id: g.project,
          api_key_id: null,
          quantity: null,
          quantity_unit: null,
        })),
      });
    }
    const more = bucket < end;
    return { status: 200, body: { object: 'page', data, has_more: more, next_page: more ? `page_${Buffer.from(String(bucket)).toString('base64url')}` : null } };
  }

  return {
    answer,
    toggles,
    isAdminKey: (key) => adminKeys.has(key),
    ensureProject,
    /** What the server shows of the world, for tests' assertions. */
    control: {
      toggles,
      addAdminKey(key, options = {}) {
        const scopes = new Set(options.scopes ?? ALL_SCOPES);
        adminKeys.set(key, { id: `key_${derive(`admin:${key}`, 16, ALNUM)}`, name: options.name ?? 'Admin key', scopes, created_at: 1750481917 });
      },
      addProject(project) {
        const p = ensureProject(project.id);
        if (project.name !== undefined) p.name = project.name;
        if (project.archived) p.archived_at = 1750000000;
      },
      setKeyMeta(key, meta) {
        const m = metaOf(key);
        if (meta.name !== undefined) m.name = meta.name;
        if (meta.id !== undefined) m.id = meta.id;
      },
      addCost(cost) {
        const start = typeof cost.day === 'number' ? cost.day : Math.floor(Date.parse(`${cost.day}T00:00:00Z`) / 1000);
        if (!Number.isFinite(start)) throw new TypeError(`addCost: bad day ${JSON.stringify(cost.day)}`);
        costs.push({ start, projectId: cost.projectId ?? null, amount: cost.amount, lineItem: cost.lineItem ?? null });
      },
      failNext(match, failure, times = 1) {
        const path = typeof match.path === 'string' ? new RegExp(`^${match.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : match.path;
        const body = failure.body ?? err(failure.message ?? 'The server had an error while processing your request. Sorry about that!', failure.type ?? 'server_error', failure.code ?? null);
        failures.push({ method: match.method, path, status: failure.status, body, headers: failure.headers, times });
      },
      serviceAccounts: (projectId) => [...serviceAccounts.values()].filter((sa) => !projectId || sa.projectId === projectId).map(serviceAccountObject),
      projectKeys: (projectId) => projectKeys(projectId).map((k) => ({ ...keyObject(k), value: k.key })),
      isLive: (key) => keys.has(key),
    },
  };
}
