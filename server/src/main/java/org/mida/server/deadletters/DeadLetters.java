package org.mida.server.deadletters;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.mida.event.EventStream;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The dead-letter stream ({@code <stream>:dead}) read and replayed. A replay moves each chosen dead
 * letter back to the event stream in one Lua script (read it, {@code XADD} its original text to the
 * stream, {@code XDEL} it from the dead letters, count it), so it happens exactly once: a second replay
 * of the same id finds nothing. A replayed event that is still refused comes back as a new dead letter
 * with a new id. Thread-safe.
 *
 * <pre>{@code
 * var dead = new DeadLetters(redis, new EventStream("mida:events"));
 * dead.list(100, "refused by the graph store", null);
 * dead.replay(DeadLetters.Selection.reasonPrefix("refused by the graph store"));
 * }</pre>
 */
public final class DeadLetters {

    /** Most dead letters one replay moves; the answer says when more are left. */
    public static final int MAX_REPLAY = 100_000;

    private static final int PAGE = 500;

    /** Moves the dead letters named in ARGV back to the stream; answers [dead id, new id, …]. */
    private static final String MOVE = String.join(
            "\n",
            "if redis.replicate_commands then redis.replicate_commands() end",
            "local out = {}",
            "for _, id in ipairs(ARGV) do",
            "  local e = redis.call('XRANGE', KEYS[1], id, id)",
            "  if #e == 1 then",
            "    local f = e[1][2]",
            "    local raw = nil",
            "    for j = 1, #f, 2 do if f[j] == '" + EventStream.FIELD + "' then raw = f[j + 1] end end",
            "    if raw ~= nil and raw ~= '' then",
            "      local nid = redis.call('XADD', KEYS[2], '*', '" + EventStream.FIELD + "', raw)",
            "      redis.call('XDEL', KEYS[1], id)",
            "      redis.call('INCR', KEYS[3])",
            "      out[#out + 1] = id",
            "      out[#out + 1] = nid",
            "    end",
            "  end",
            "end",
            "return out");

    private final UnifiedJedis redis;
    private final EventStream stream;

    public DeadLetters(UnifiedJedis redis, EventStream stream) {
        this.redis = redis;
        this.stream = stream;
    }

    /** One dead letter: its id in the dead-letter stream, why, where from, when, and the text. */
    public record Letter(
            String id,
            String reason,
            @JsonProperty("source_id") String sourceId,
            String stream,
            Double at,
            String event) {
        static Letter of(StreamEntry e) {
            Map<String, String> f = e.getFields();
            Double at = null;
            try {
                if (f.get("at") != null) at = Double.valueOf(f.get("at"));
            } catch (NumberFormatException ignored) {
                // written by another producer: leave it out
            }
            return new Letter(
                    e.getID().toString(),
                    f.getOrDefault("reason", ""),
                    f.get("source_id"),
                    f.get("stream"),
                    at,
                    f.get(EventStream.FIELD));
        }
    }

    /**
     * A page of dead letters, oldest first.
     *
     * @param total entries in the dead-letter stream now
     * @param dropped dead letters the length bound dropped (appended, minus replayed, minus kept)
     * @param next the id to pass as {@code after} for the next page; null at the end
     */
    public record Page(
            @JsonProperty("dead_letter_stream") String deadLetterStream,
            long total,
            long dropped,
            List<Letter> letters,
            String next) {}

    /** What a replay moved: each dead letter's id and the id of its new stream entry. */
    public record Replayed(
            int replayed,
            List<Moved> moved,
            @JsonProperty("not_found") List<String> notFound,
            @JsonProperty("more_left") boolean moreLeft) {}

    /** One dead letter moved back: its old id and the event stream entry it became. */
    public record Moved(
            @JsonProperty("dead_id") String deadId,
            @JsonProperty("entry_id") String entryId) {}

    /** Which dead letters to replay: chosen ids, or those whose reason starts with a prefix, or all. */
    public record Selection(List<String> ids, String reasonPrefix, boolean all) {
        public Selection {
            ids = ids == null ? List.of() : List.copyOf(ids);
        }

        public static Selection ids(List<String> ids) {
            return new Selection(ids, null, false);
        }

        public static Selection reasonPrefix(String prefix) {
            return new Selection(List.of(), prefix, false);
        }

        public static Selection everything() {
            return new Selection(List.of(), null, true);
        }

        Predicate<Letter> filter() {
            if (all || reasonPrefix == null) return l -> true;
            return l -> l.reason().startsWith(reasonPrefix);
        }
    }

    /**
     * Up to {@code limit} dead letters after the id {@code after} (null: from the oldest) whose reason
     * starts with {@code reasonPrefix} (null: any), scanning at most 10,000 entries per call.
     */
    public Page list(int limit, String reasonPrefix, String after) {
        var out = new ArrayList<Letter>();
        StreamEntryID from = after == null ? null : new StreamEntryID(after);
        int scanned = 0;
        while (out.size() < limit && scanned < 10_000) {
            List<StreamEntry> page = range(from, PAGE);
            for (StreamEntry e : page) {
                scanned++;
                from = e.getID();
                Letter l = Letter.of(e);
                if (reasonPrefix == null || l.reason().startsWith(reasonPrefix)) out.add(l);
                if (out.size() >= limit) break;
            }
            if (page.size() < PAGE) break;
        }
        String next = from != null && !range(from, 1).isEmpty() ? from.toString() : null;
        return new Page(stream.deadLetterName(), total(), dropped(), out, next);
    }

    /** Moves the selected dead letters back to the event stream, exactly once each. */
    public Replayed replay(Selection selection) {
        var moved = new ArrayList<Moved>();
        var notFound = new ArrayList<String>();
        boolean moreLeft = false;
        if (!selection.ids().isEmpty()) {
            var ids = new ArrayList<>(new LinkedHashSet<>(selection.ids()));
            for (int i = 0; i < ids.size(); i += PAGE) {
                List<String> part = ids.subList(i, Math.min(ids.size(), i + PAGE));
                List<Moved> m = move(part);
                moved.addAll(m);
                var done = new java.util.HashSet<String>();
                for (Moved x : m) done.add(x.deadId());
                for (String id : part) if (!done.contains(id)) notFound.add(id);
            }
            return new Replayed(moved.size(), moved, notFound, false);
        }
        Predicate<Letter> filter = selection.filter();
        StreamEntryID from = null;
        while (true) {
            List<StreamEntry> page = range(from, PAGE);
            if (page.isEmpty()) break;
            var chosen = new ArrayList<String>();
            for (StreamEntry e : page) {
                from = e.getID();
                if (filter.test(Letter.of(e))) chosen.add(e.getID().toString());
            }
            if (moved.size() + chosen.size() > MAX_REPLAY) {
                chosen = new ArrayList<>(chosen.subList(0, MAX_REPLAY - moved.size()));
                moreLeft = true;
            }
            moved.addAll(move(chosen));
            if (moreLeft || page.size() < PAGE) break;
        }
        return new Replayed(moved.size(), moved, notFound, moreLeft);
    }

    /** Entries in the dead-letter stream. */
    public long total() {
        return redis.xlen(stream.deadLetterName());
    }

    /**
     * Dead letters the length bound dropped: appended with a bound ({@link
     * EventStream#deadLettersAddedName()}) minus replayed minus still there (0 when the counters are
     * missing, e.g. dead letters written by observers, which count none).
     */
    public long dropped() {
        long added = counter(stream.deadLettersAddedName());
        long replayed = counter(stream.deadLettersReplayedName());
        return Math.max(0, added - replayed - total());
    }

    private long counter(String key) {
        String v = redis.get(key);
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Entries after {@code from} (exclusive; null = from the start). */
    private List<StreamEntry> range(StreamEntryID from, int count) {
        StreamEntryID start =
                from == null ? new StreamEntryID(0, 0) : new StreamEntryID(from.getTime(), from.getSequence() + 1);
        List<StreamEntry> got = redis.xrange(stream.deadLetterName(), start.toString(), "+", count);
        return got == null ? List.of() : got;
    }

    private List<Moved> move(List<String> ids) {
        if (ids.isEmpty()) return List.of();
        Object res = redis.eval(
                MOVE, List.of(stream.deadLetterName(), stream.name(), stream.deadLettersReplayedName()), ids);
        var out = new ArrayList<Moved>();
        if (res instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) out.add(new Moved(text(l.get(i)), text(l.get(i + 1))));
        }
        return out;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
