/** Generated from the server's OpenAPI document by `npm run console:api`: do not edit. */

export interface paths {
    "/webhooks/{connection}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Receive a vendor's webhook delivery */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    connection: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The delivery as recorded, or the answer to a handshake */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            ok?: boolean;
                            outcome?: string;
                            delivery?: number;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code: string;
                            message: string;
                            details?: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code: string;
                            message: string;
                            details?: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/hooks/{flowId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a flow from a signed hook (Standard Webhooks) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    flowId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The run's output (a hook that responds), or the duplicate's outcome */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            runId: string;
                            status?: string;
                        };
                    };
                };
                /** @description Default Response */
                "4XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code: string;
                            message: string;
                            details?: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                "5XX": {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            code: string;
                            message: string;
                            details?: {
                                [key: string]: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description The process is up. No token needed.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {unknown} */
                            status: "ok";
                            uptimeSeconds: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description The store takes a write and reads it back; in queue mode, Redis answers too. No token needed.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {unknown} */
                            status: "ready";
                            checks: {
                                store?: string;
                                redis?: string;
                            };
                        };
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Runs by flow and status, webhook deliveries by source and outcome (since this server started), pending schedules, waiting runs, the age of the oldest due but unpicked wake-up, step durations by action, and process metrics. No token needed.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text exposition format 0.0.4. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who am I
         * @description The name and role of the token or session the request came with; for a session, its CSRF token and end.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The token's name: the journal records what the session does as `api:<name>`. */
                            name: string;
                            /** @enum {unknown} */
                            role: "viewer" | "operator" | "admin";
                            /** @description Repeat it in the x-csrf-token header of every POST, PUT, PATCH and DELETE made with the session cookie. Absent when the request came with a bearer token. */
                            csrfToken?: string;
                            /**
                             * Format: date-time
                             * @description When the session ends; absent for a bearer token.
                             */
                            expiresAt?: string;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Sign in
         * @description Exchanges an API token for a session: sets the HttpOnly, SameSite=Strict cookie `staffwire_session` (Secure over https) lasting server.sessionTtlMs, and answers who it is with the CSRF token. A wrong token counts as a failed authentication.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        token?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The token's name: the journal records what the session does as `api:<name>`. */
                            name: string;
                            /** @enum {unknown} */
                            role: "viewer" | "operator" | "admin";
                            /** @description Repeat it in the x-csrf-token header of every POST, PUT, PATCH and DELETE made with the session cookie. Absent when the request came with a bearer token. */
                            csrfToken?: string;
                            /**
                             * Format: date-time
                             * @description When the session ends; absent for a bearer token.
                             */
                            expiresAt?: string;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than server.bodyLimitBytes. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is not application/json. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /**
         * Sign out
         * @description Ends the session in the store (every server sharing it forgets it at once) and clears the cookie. With a bearer token there is no session: nothing changes.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Whether a session was ended (false for a bearer token). */
                            ended: boolean;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the flows
         * @description Every readable flow file in the flow folders (flowDirs), by id: what it is, what triggers it, what input it takes.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["FlowSummary"][];
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a flow
         * @description The whole definition, and the problems `staffwire validate` finds in its file (a flow with problems cannot be started).
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A flow with its whole definition and what `staffwire validate` finds in its file. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["FlowDetail"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Validate a flow
         * @description Every check `staffwire validate` makes (UTF-8, depth, JSON syntax, the flow schema, expressions, connectors, connections, inputs, step references), on the flow sent as the body. Problems are placed in the text sent, `file:line:col  pointer  message`; an invalid flow is still a 200.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        post: {
            parameters: {
                query?: {
                    /** @description The name problems are reported under. */
                    file?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description A flow definition (schemas/flow.schema.json), as JSON text. */
            requestBody: {
                content: {
                    "application/json": Record<string, never>;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            valid: boolean;
                            id?: string;
                            version?: string;
                            problems: components["schemas"]["FlowProblem"][];
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a run
         * @description Queues a run of the flow as its file is now, pinned to that version; the server's runtime starts executing it within a second. The input is checked against the flow's input schema first: a run is created only for valid input. A flow with a businessKey and onDuplicate: skip refuses a second run while one with the same key is under way (409, naming it).
         *
         *     Role operator or admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description The run's input; {} when absent. */
                        input?: unknown;
                    };
                };
            };
            responses: {
                /** @description Queued. Location names the run. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            status: string;
                            flowId: string;
                            flowVersion: string;
                            businessKey?: string;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than server.bodyLimitBytes. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is not application/json. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Well-formed, but invalid: the details name each problem. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List runs
         * @description Newest first. Pages follow one another without gaps or repeats while runs are created: pass `next` as `cursor`.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only runs of this flow id. */
                    flow?: string;
                    /** @description Only runs with these statuses: comma-separated, of queued, running, waiting, succeeded, failed, cancelled. */
                    status?: string;
                    /** @description Only runs created at or after this moment (ISO 8601 with its zone). */
                    from?: string;
                    /** @description Only runs created before this moment (ISO 8601 with its zone). */
                    to?: string;
                    /** @description Only runs with this business key. */
                    businessKey?: string;
                    /** @description The `next` of the previous page. */
                    cursor?: string;
                    /** @description Items per page, at most 200. */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Run"][];
                            /** @description Pass as `cursor` for the next page; null on the last page. */
                            next: string | null;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a run
         * @description The run with where each step stands (in the order they started), its journal — every step started, succeeded, failed, retried, parked, woken, cancelled, with time, attempt and actor — and the sub-flow runs it started.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A run with its steps (in the order they started), its journal (in the order written) and the sub-flow runs it started. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/steps/{path}/failures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a sync step's failed records
         * @description Every record a sync step failed (its output holds only the first 1,000): key, row and column (for a file), code and message, in the order they failed — as JSON, or as CSV with format=csv for a spreadsheet. An empty list for a step that failed none.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: {
                    format?: "json" | "csv";
                };
                header?: never;
                path: {
                    id: string;
                    path: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The failed records (JSON; with format=csv, text/csv with the columns key,row,column,code,message). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            failures: {
                                [key: string]: unknown;
                            }[];
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed run
         * @description Queues a failed run again from its failed step: completed steps are not repeated, and calls made again carry the same idempotency keys. The runtime continues it within a second.
         *
         *     Role operator or admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One execution of one flow version on one input. */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a run
         * @description Cancels a queued, running or waiting run and the sub-flow runs it started; a process executing it stops before its next step.
         *
         *     Role operator or admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One execution of one flow version on one input. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Run"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What needs a look
         * @description Runs created since `since` (default: the last 24 h) by flow and status; runs that need attention — the 50 newest failed ones, and those due more than 60 s ago that no process took (waiting past their deadline: `overdue`; queued or running with a lapsed lease: `stuck`); schedules firing in the next 7 days; webhook deliveries refused in the last 24 h, with the reason.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Count runs created at or after this moment, e.g. the viewer’s midnight (ISO 8601 with its zone). */
                    since?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: date-time */
                            since: string;
                            /** @description Runs created since `since`, by flow and status. */
                            runs: {
                                flowId: string;
                                status: string;
                                count: number;
                            }[];
                            /** @description More than 10000 runs were created since then; only the newest are counted. */
                            runsTruncated: boolean;
                            attention: {
                                /** @enum {unknown} */
                                reason: "failed" | "overdue" | "stuck";
                                run: components["schemas"]["Run"];
                            }[];
                            upcomingSchedules: components["schemas"]["Schedule"][];
                            refusedDeliveries: components["schemas"]["Delivery"][];
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List schedules
         * @description In fire order, earliest first; pending ones unless `status` says otherwise. Pass `next` as `cursor` for the next page.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only schedules with these statuses: comma-separated, of pending, fired, cancelled. */
                    status?: string;
                    /** @description Only schedules of this flow id. */
                    flow?: string;
                    /** @description Only keys starting with this, e.g. `deactivate:`. */
                    keyPrefix?: string;
                    /** @description Only schedules firing at or after this moment (ISO 8601 with its zone). */
                    from?: string;
                    /** @description Only schedules firing before this moment (ISO 8601 with its zone). */
                    to?: string;
                    /** @description The `next` of the previous page. */
                    cursor?: string;
                    /** @description Items per page, at most 200. */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Schedule"][];
                            /** @description Pass as `cursor` for the next page; null on the last page. */
                            next: string | null;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a schedule
         * @description Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The business key, URL-encoded. */
                    key: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A one-off future run under a business key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{key}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a schedule
         * @description A pending schedule is cancelled: it starts no run.
         *
         *     Role operator or admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The business key, URL-encoded. */
                    key: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A one-off future run under a business key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/schedules/{key}/move": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move a schedule
         * @description A pending schedule fires at another moment instead, given in ISO 8601 with its zone (`2030-03-01T18:00:00+08:00`). A moment already past is refused.
         *
         *     Role operator or admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description The business key, URL-encoded. */
                    key: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When it fires, with its zone (Z or ±hh:mm).
                         */
                        at: string;
                    };
                };
            };
            responses: {
                /** @description A one-off future run under a business key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Schedule"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is larger than server.bodyLimitBytes. */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The body is not application/json. */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Well-formed, but invalid: the details name each problem. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook deliveries
         * @description Newest first, with their outcome (accepted, duplicate, refused with the reason, challenge) and what dispatching them started or woke.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only deliveries for this connection, or `hook:<flow id>`. */
                    source?: string;
                    /** @description Only deliveries with these outcomes: comma-separated, of accepted, duplicate, refused, challenge. */
                    outcome?: string;
                    /** @description Only deliveries received at or after this moment (ISO 8601 with its zone). */
                    since?: string;
                    /** @description The `next` of the previous page. */
                    cursor?: string;
                    /** @description Items per page, at most 200. */
                    limit?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Delivery"][];
                            /** @description Pass as `cursor` for the next page; null on the last page. */
                            next: string | null;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook delivery
         * @description Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One webhook delivery and what became of it. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Delivery"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/deliveries/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Replay a webhook delivery
         * @description Dispatches an accepted delivery's stored event again, to the flows as they are now: a flow added since, or whose trigger condition holds now, starts its run. A run the event already started is not started twice (its id derives from the event, the flow and the trigger), so a replay is safe to repeat. What it did is added to the delivery's `dispatch`.
         *
         *     Role admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One webhook delivery and what became of it. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Delivery"];
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The thing is not in a state that allows this. */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the connections
         * @description Each configured connection with its non-secret settings, the rate limits its connector keeps to, and the state now of each client-side limiter its calls go through; a secret shows as `{ "env": NAME, "set": true|false }`, never its value. Reading the state sends nothing to the vendor, so the console can poll it.
         *
         *     Any role (viewer, operator, admin); viewers see personal data masked.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["Connection"][];
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{name}/check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Check a connection
         * @description Authenticates against the vendor with the connection's settings and secrets as configured now (Lark: a tenant token; DocuSign: a read of the account; http: the baseUrl answers), and says what failed. A failed check is still a 200 with `ok: false`.
         *
         *     Role admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            connector: string;
                            ok: boolean;
                            detail: string;
                            /** @description The failure's code, e.g. vendor.10014 or connection.secret_missing. */
                            code?: string;
                            ms: number;
                        };
                    };
                };
                /** @description The request is malformed: not JSON, a parameter of the wrong type or format, an unknown property, a bad cursor. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No token, or a token this server does not know (or no tokens are configured). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The token's role may not do this. */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such thing. */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Well-formed, but invalid: the details name each problem. */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Too many requests, or too many failed authentications, from this address: see Retry-After. */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The store cannot be used now (busy, read-only, gone): see Retry-After. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Every answer that is not a success: a stable code, a message saying what to do, and details. */
        Error: {
            /** @example run.not_found */
            code: string;
            message: string;
            details: {
                [key: string]: unknown;
            };
        };
        /** @description Why a run or step failed: the vendor's or engine's code and message. */
        RunError: {
            code: string;
            message: string;
            category: string;
            step?: string;
            details?: {
                [key: string]: unknown;
            };
        };
        /** @description One thing a waiting run waits for: a moment, a sub-flow run, or an event. */
        Suspension: {
            /** @enum {unknown} */
            kind: "moment" | "child" | "event";
            step: string;
            /** Format: date-time */
            until?: string;
            reason?: string;
            runId?: string;
            connection?: string;
            type?: string;
            path?: string;
            value?: string;
            /** Format: date-time */
            since?: string;
        };
        /** @description One execution of one flow version on one input. */
        Run: {
            id: string;
            flowId: string;
            flowVersion: string;
            /** @description SHA-256 of the flow content the run is pinned to. */
            flowHash: string;
            /** @enum {unknown} */
            status: "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
            input?: unknown;
            output?: unknown;
            error?: components["schemas"]["RunError"];
            parentRunId?: string;
            parentStepPath?: string;
            subFlows?: {
                [key: string]: string;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            finishedAt?: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description `cli`, `api:<token name>`, `schedule`, `event:<id>` or `engine`. */
            createdBy?: string;
            businessKey?: string;
            exclusiveKey?: boolean;
            /** Format: date-time */
            waitingUntil?: string;
            waitingFor?: components["schemas"]["Suspension"][];
            /** @description The process executing the run now. */
            owner?: string;
            /** Format: date-time */
            leaseUntil?: string;
        };
        /** @description Where one step (one iteration of it) stands: its checkpoint. */
        Step: {
            runId: string;
            /** @example each_leaver[3].notify */
            path: string;
            stepId: string;
            kind: string;
            /** @enum {unknown} */
            status: "running" | "waiting" | "succeeded" | "failed" | "cancelled";
            attempts: number;
            /** Format: date-time */
            startedAt: string;
            /** Format: date-time */
            finishedAt?: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description What the step acted on, as evaluated: a call's `with`, a sub-flow's input, a schedule's key, moment and input */
            input?: unknown;
            output?: unknown;
            error?: components["schemas"]["RunError"];
            state?: {
                [key: string]: unknown;
            };
        };
        /** @description One line of a run's append-only history. */
        JournalEntry: {
            seq: number;
            runId: string;
            /** Format: date-time */
            at: string;
            /** @example step.succeeded */
            type: string;
            step?: string;
            attempt?: number;
            actor: string;
            data?: {
                [key: string]: unknown;
            };
        };
        /** @description A run with its steps (in the order they started), its journal (in the order written) and the sub-flow runs it started. */
        RunDetail: {
            id: string;
            flowId: string;
            flowVersion: string;
            /** @description SHA-256 of the flow content the run is pinned to. */
            flowHash: string;
            /** @enum {unknown} */
            status: "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
            input?: unknown;
            output?: unknown;
            error?: components["schemas"]["RunError"];
            parentRunId?: string;
            parentStepPath?: string;
            subFlows?: {
                [key: string]: string;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            finishedAt?: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description `cli`, `api:<token name>`, `schedule`, `event:<id>` or `engine`. */
            createdBy?: string;
            businessKey?: string;
            exclusiveKey?: boolean;
            /** Format: date-time */
            waitingUntil?: string;
            waitingFor?: components["schemas"]["Suspension"][];
            /** @description The process executing the run now. */
            owner?: string;
            /** Format: date-time */
            leaseUntil?: string;
            steps: components["schemas"]["Step"][];
            journal: components["schemas"]["JournalEntry"][];
            /** @description Runs its `run` steps started, oldest first. */
            subRuns: components["schemas"]["Run"][];
        };
        /** @description A one-off future run under a business key. */
        Schedule: {
            /** @example deactivate:7146996353763213963 */
            key: string;
            flowId: string;
            input?: unknown;
            /** Format: date-time */
            fireAt: string;
            timeZone?: string;
            /** @enum {unknown} */
            status: "pending" | "fired" | "cancelled";
            generation: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            createdBy: string;
            runId?: string;
        };
        /** @description One webhook delivery and what became of it. */
        Delivery: {
            id: number;
            /** @description The connection, or `hook:<flow id>`. */
            source: string;
            /** Format: date-time */
            receivedAt: string;
            /** @enum {unknown} */
            outcome: "accepted" | "duplicate" | "refused" | "challenge";
            reason?: {
                code: string;
                message: string;
            };
            event?: {
                id: string;
                type: string;
                occurredAt: string;
                tenant?: string;
                payload: unknown;
            };
            /** Format: date-time */
            dispatchedAt?: string;
            dispatch?: {
                flowId?: string;
                runId?: string;
                started?: boolean;
                woken?: boolean;
                step?: string;
                reason?: string;
            }[];
        };
        /** @description A problem placed in a flow file, as `staffwire validate` prints it: `file:line:col  pointer  message`. */
        FlowProblem: {
            file: string;
            line: number;
            column: number;
            pointer: string;
            message: string;
        };
        /** @description A flow in the flow folders, as its file declares it. */
        FlowSummary: {
            id: string;
            name?: string;
            description?: string;
            version: string;
            triggers: {
                [key: string]: unknown;
            }[];
            /** @description The flow's input schema (JSON Schema 2020-12). */
            input?: {
                [key: string]: unknown;
            };
            businessKey?: string;
        };
        /** @description A flow with its whole definition and what `staffwire validate` finds in its file. */
        FlowDetail: {
            id: string;
            name?: string;
            description?: string;
            version: string;
            triggers: {
                [key: string]: unknown;
            }[];
            /** @description The flow's input schema (JSON Schema 2020-12). */
            input?: {
                [key: string]: unknown;
            };
            businessKey?: string;
            /** @description The flow file, relative to the working directory of the server. */
            file: string;
            valid: boolean;
            problems: components["schemas"]["FlowProblem"][];
            definition: {
                [key: string]: unknown;
            };
        };
        /** @description A configured connection without its secrets: each secret is shown as the variable it is read from and whether that is set. */
        Connection: {
            name: string;
            connector: string;
            settings: {
                [key: string]: unknown;
            };
            /** @description Whether POST …/check can test it. */
            checkable?: boolean;
            /** @description The vendor's documented limits the connector keeps its calls under (its manifest's rateLimits): requests per window, per scope the vendor counts. */
            rateLimits?: {
                scope: string;
                limit: number;
                perSeconds: number;
                description?: string;
            }[];
            /** @description The limiters this connection's calls go through (the connection's `requestsPerSecond`, a connector's own per-API limit), each with its state now: in embedded mode this process's, in queue mode the window every worker shares. A limiter no call has used yet shows all free. */
            clientRateLimits: {
                /** @description What the limiter counts, e.g. `every request of app cli_a1b2`. */
                scope: string;
                /** @description The key requests count under: connections to one vendor app or account share it. */
                key: string;
                /** @description Requests allowed in any `perMs` milliseconds. */
                limit: number;
                perMs: number;
                /** @description Of `limit`, how many count against the window now (requests not answered yet included). */
                used?: number;
                /** @description How many more may go at once now. */
                available?: number;
                /** @description Requests waiting for a slot in the process that answered (in queue mode, serve’s own; workers queue their own). */
                waiting?: number;
                /** @description When the next slot frees: 0 if one is free now; absent when every slot is held by a request still out. */
                nextFreeInMs?: number;
                /** @description Why the state could not be read (Redis unreachable); `used`, `available` and `waiting` are absent then. */
                stateError?: string;
            }[];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
