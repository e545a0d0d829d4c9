-- Time as readers and staff see it: RFC 3339 in UTC, the newsroom's local
-- wall time, and TIME arguments read in the newsroom's zone.

-- A reader document asks for the newsroom's time zone a dozen times (every
-- local time in it). A SQL function that reads a table is planned again at
-- each of those calls; PL/pgSQL keeps its plan for the session.
CREATE OR REPLACE FUNCTION newsroom.timezone() RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT value FROM newsroom.newsroom_setting WHERE key = 'timezone'), 'Europe/Kyiv');
END
$$;

-- RFC 3339 in UTC, whatever the session's TimeZone and DateStyle; microseconds
-- only when there are any.
CREATE OR REPLACE FUNCTION newsroom.rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN t IS NULL THEN NULL
        WHEN date_trunc('second', t) = t THEN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        ELSE to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    END
$$;

-- The newsroom-local wall time of an instant, as readers see it:
-- {"text": "2023-10-26 16:43", "weekday": 4} (ISO weekday, Monday = 1).
CREATE OR REPLACE FUNCTION newsroom.local_time(t timestamptz) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT newsroom.local_time_in(t, newsroom.timezone())
$$;

-- The same in a time zone the caller looked up once: a list of hundreds of
-- live updates then reads the newsroom's setting once, not twice an update.
CREATE OR REPLACE FUNCTION newsroom.local_time_in(t timestamptz, zone text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN t IS NULL THEN NULL ELSE jsonb_build_object(
        'text', to_char(t AT TIME ZONE zone, 'YYYY-MM-DD HH24:MI'),
        'weekday', extract(isodow FROM t AT TIME ZONE zone)::int)
    END
$$;

-- '+03:00' for an interval of three hours.
CREATE OR REPLACE FUNCTION newsroom.offset_text(shift interval) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN shift < interval '0' THEN '-' ELSE '+' END
        || lpad(abs(extract(hour FROM shift))::int::text, 2, '0') || ':'
        || lpad(abs(extract(minute FROM shift))::int::text, 2, '0')
$$;

-- A TIME argument, as before; its patterns are written without backslashes,
-- so a session's standard_conforming_strings cannot change them.
CREATE OR REPLACE FUNCTION desk.parse_time(input text, field text DEFAULT 'time') RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone text := newsroom.timezone();
    wall timestamp;
    matches timestamptz[] := '{}'::timestamptz[];
    candidate timestamptz;
    shift interval;
BEGIN
    IF input IS NULL THEN
        RETURN NULL;
    END IF;
    IF input ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN
        BEGIN
            RETURN input::timestamptz;
        EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
            RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('%s: "%s" is not a real date and time.', field, input);
        END;
    END IF;
    IF input !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: "%s" is not a time. Give an instant with an offset (2023-10-26T16:43+03:00) or a local time in %s (2023-10-26 16:43).', field, input, zone);
    END IF;
    BEGIN
        wall := input::timestamp;
    EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0', MESSAGE = format('%s: "%s" is not a real date and time.', field, input);
    END;
    -- Try the offsets in force a day before and a day after: around a clock
    -- change a wall time maps to none of them (skipped) or to both (repeated).
    FOREACH shift IN ARRAY ARRAY[
        ((wall - interval '1 day') AT TIME ZONE 'UTC' AT TIME ZONE zone) - (wall - interval '1 day'),
        ((wall + interval '1 day') AT TIME ZONE 'UTC' AT TIME ZONE zone) - (wall + interval '1 day')]
    LOOP
        candidate := (wall - shift) AT TIME ZONE 'UTC';
        IF candidate AT TIME ZONE zone = wall AND NOT candidate = ANY (matches) THEN
            matches := matches || candidate;
        END IF;
    END LOOP;
    IF cardinality(matches) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s does not exist in %s: the clocks were moved forward over it. Give the time with an offset instead.', field, input, zone);
    ELSIF cardinality(matches) > 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'NDIN0',
            MESSAGE = format('%s: %s happens twice in %s because the clocks were moved back. Give it with an offset: %s or %s.', field, input, zone,
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(matches[1] AT TIME ZONE zone - matches[1] AT TIME ZONE 'UTC'),
                to_char(wall, 'YYYY-MM-DD"T"HH24:MI') || newsroom.offset_text(matches[2] AT TIME ZONE zone - matches[2] AT TIME ZONE 'UTC'));
    END IF;
    RETURN matches[1];
END
$$;
