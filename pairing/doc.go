// Package pairing holds a partner pairing as CRM admins write it: who the two partners are, which CRM
// each uses, and how deal fields, stage values, owners and notes map between them. It is pure domain
// code: loading and validating the YAML file and translating values between a CRM's own form and the
// canonical co-sell form, with no I/O beyond reading the file it is given.
//
// # The pairing file
//
// Admins keep one YAML file per pairing in git. examples/README.md is the full, annotated reference and
// examples/demo/pairing.yaml the file to copy; in short:
//
//	version: 1                      # required, always 1
//	pairing:
//	  id: acme-globex               # required, [a-z0-9][a-z0-9-]{1,62}; part of workflow ids
//	  name: "Acme × Globex"         # required
//	partners:
//	  a:                            # and b: the same keys
//	    name: Acme                  # required
//	    crm: salesforce             # required: salesforce | hubspot
//	    connection: acme-sf         # required, [a-z0-9_-]+; a credential set in the worker's environment
//	    timezone: America/New_York  # optional IANA zone, default UTC; date-times are read as dates in it,
//	                                # except HubSpot's midnight-UTC dates, which are never shifted
//	    deal: { cosell_id: …, enabled: …, owner: …, partner_owner_name: …, partner_owner_email: … }
//	                                # optional renames of the bookkeeping fields; see DefaultDealFields
//	    route: { field: CoSell_Partner__c, values: [Globex] }
//	                                # optional: a newly flagged deal of this connection starts in this
//	                                # pairing only if the field holds one of the values (whole, any case);
//	                                # required on every pairing that shares the connection (CheckShared)
//	fields:                         # required, at least one
//	  - name: stage                 # canonical name, [a-z][a-z0-9_]*, unique
//	    type: picklist              # text (default) | number | date | picklist
//	    a: StageName                # CRM field on side a, required
//	    b: dealstage                # CRM field on side b, required
//	    direction: both             # both (default) | a_to_b | b_to_a
//	    conflict: last_writer_wins  # last_writer_wins (default) | prefer_a | prefer_b
//	    values:                     # picklist only, required there; one-to-one
//	      - { canonical: qualification, a: Qualification, b: qualifiedtobuy }
//	owners:
//	  map:                          # optional e-mail pairs: the counterpart owns a new mirror
//	    - { a: jane.doe@acme.example, b: jdoe@globex.example }
//	  fallback: { a: ops@acme.example, b: ops@globex.example }   # required
//	notes:                          # optional
//	  share: tagged                 # all | tagged (default)
//	  tag: "#partner"               # default "#partner"; matched as a whole word, any case
//	sla:                            # optional; defaults: sla.Policy.WithDefaults
//	  calendar: business            # calendar (default) | business
//	  timezone: America/New_York    # default UTC
//	  business_hours: "09:00-17:00" # default 09:00-17:00
//	  business_days: [mon, tue, wed, thu, fri]
//	  holidays: [2026-12-25]        # YYYY-MM-DD in timezone
//	  warn_at: 80%                  # or 0.8; strictly between 0 and 1
//	  registration_acceptance: 24h  # durations: 90m, 24h, 7d, 1w, 1d12h (sla.ParseDuration)
//	  request_response: 24h
//	  request_tag: "#request"
//	  stages: { prospecting: 7d }   # keys: canonical values of the stage field; a duration or none
//	escalation:                     # optional; replaces the default ladder
//	  - { level: 2, after: 24h, a: [maria.manager@acme.example], b: [kim.manager@globex.example] }
//	                                # levels 1-4, once each, in order, after never decreasing; optional name
//	notifications:                  # optional
//	  slack: { webhook_url_env: COSELL_SLACK_WEBHOOK_URL }  # a variable name, never the URL
//	  crm_tasks: true               # default true
//	pilot:                          # optional; defaults: pilot.Config.WithDefaults; runs only when enabled
//	  enabled: true                 # default false: the worker starts the pairing's pilot on boot
//	  day: 24h                      # a pilot day (sla.ParseDuration); shorter only for demos
//	  length: 90                    # days, at least 1
//	  checkpoints: [30, 60, 90]     # default thirds of length; increasing, the last = length
//	  targets: { registrations: 5, active_deals: 3, active_deals_by_day: 60, win_rate_uplift: 10% }
//	                                # counts at least 1; percentages 10% or 0.1, above 0, at most 1000%
//	  rules:                        # each true or false; not all off
//	    scale: { needs_pipeline: true, needs_revenue: true, needs_registration_target: true,
//	             needs_active_deals_target: false, needs_win_rate_target: false }
//	    kill: { without_registrations: true, without_pipeline: true }
//	  approvers: [maria.manager@acme.example]   # e-mails of either partner
//	  decision_timeout: 14          # days, at least 1
//	  growth: 50%                   # targets after "scale": × 1.5, counts rounded up
//	  won_stages: [closed_won]      # canonical values of the stage field; default closed_won, won
//	  lost_stages: [closed_lost]    # default closed_lost, lost; no stage in both
//	  currency: USD                 # ISO 4217, default USD
//	  managers: { a: [maria.manager@acme.example], b: [kim.manager@globex.example] }
//	cosell:                         # optional; defaults: cosell.Defaults.WithDefaults, attribution.DefaultRules
//	  model: partner_led            # partner_led (default) | vendor_led | true_cosell
//	  motion: sell_with             # sell_with (default) | sell_through | sell_to
//	  vendor: b                     # a | b; default: from who registers each deal
//	  currency: EUR                 # optional ISO 4217: deals in another currency are refused; must match an
//	                                # enabled pilot's
//	  stages: { needs_analysis: discovery }   # keys: canonical stage values; values: the six playbook stages
//	  split: { sourcing: 20%, selling: 40%, technical_validation: 25%, influence: 15% }
//	                                # roles left out earn nothing; shares above 0, two decimals, total 100%
//	  pool: { solo: 20%, cosell: 25%, true_cosell: 30% }   # co-sell rates at least solo, at most 100%
//	  rules:
//	    selling_stages: [discovery, proposal, close]      # playbook stages, each once
//	    technical_validation: { kinds: [demo, technical_validation], min_touchpoints: 1 }
//	    influence: { kinds: [intro, meeting, …], min_touchpoints: 1 }   # touchpoint kinds, each once
//
// # Validation
//
// Load and Parse check everything an admin can get wrong that does not need a CRM connection, and report
// every problem at once as a *Problems error whose lines read file:line:col: message, with a hint below.
// CheckShared checks a pairing against the others a worker serves (one id each; pairings sharing a CRM
// connection agree on its kind and bookkeeping fields and route new deals by disjoint values), with the
// same file:line:col problems, placed in the file that is refused.
//
// Checking the mapping against a live CRM schema (field and picklist value existence, writability, owners,
// pipelines) is a separate step that needs a connector: package mappingcheck holds its rules and
// `cosell mapping check` runs them.
//
// # Adding a section
//
// Top-level sections are decoded in the order of the sections table in parse.go. A new section is one
// table entry and one decode function that reads its node with the decoder's helpers (object, mapping,
// str, list, choice, boolean, whole, percent, emails), which report unknown keys, wrong types and missing
// keys with positions, and fills a new field on Pairing. sla, escalation, notifications, pilot and cosell
// were added this way; cosell.go is the most recent.
package pairing
