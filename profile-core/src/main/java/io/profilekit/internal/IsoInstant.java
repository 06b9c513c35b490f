package io.profilekit.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * {@link Instant#parse} and {@link Instant#toString} without the {@code java.time.format}
 * machinery, for the form that events and stored profiles nearly always use:
 * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} with a year from 0000 to 9999 and 0 to 9 fraction digits.
 * Anything else (an offset instead of {@code Z}, a leap second, a year beyond 9999) goes to
 * {@link Instant#parse} / {@link Instant#toString}, so results and errors are theirs exactly; a
 * property test checks that both paths agree. Thread-safe (stateless). Not part of the API.
 */
public final class IsoInstant {
    private IsoInstant() {
    }

    /**
     * Parses an instant as {@link Instant#parse} does.
     *
     * @throws DateTimeParseException as {@link Instant#parse} does
     */
    public static Instant parse(CharSequence text) {
        Instant fast = tryParse(text);
        return fast != null ? fast : Instant.parse(text);
    }

    /** The instant when {@code s} has the common form and is a valid date and time, else null. */
    static Instant tryParse(CharSequence s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1
                || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int nano = 0;
        if (n > 20) {
            int fraction = n - 21; // between '.' and 'Z'
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return null;
            }
            nano = digits(s, 20, fraction);
            if (nano < 0) {
                return null;
            }
            for (int i = fraction; i < 9; i++) {
                nano *= 10;
            }
        }
        long seconds = epochDay(year, month, day) * 86_400L + hour * 3_600L + minute * 60L + second;
        return Instant.ofEpochSecond(seconds, nano);
    }

    /** The decimal value of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(CharSequence s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static boolean leap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    private static int daysInMonth(int year, int month) {
        return switch (month) {
            case 2 -> leap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days from 1970-01-01 to a proleptic Gregorian date (years 0 to 9999). */
    private static long epochDay(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yearOfEra = y - era * 400;
        int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        return era * 146_097L + dayOfEra - 719_468L;
    }

    /** The smallest and largest epoch second with a four-digit year: 0000-01-01T00:00:00Z, 9999-12-31T23:59:59Z. */
    private static final long MIN_SECOND = -62_167_219_200L;
    private static final long MAX_SECOND = 253_402_300_799L;

    /** {@link Instant#toString} of {@code t}. */
    public static String format(Instant t) {
        byte[] out = new byte[30];
        int n = format(t, out, 0);
        if (n < 0) {
            return t.toString();
        }
        return new String(out, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes {@link Instant#toString} of {@code t} as ASCII into {@code out} at {@code at} (room for
     * 30 bytes needed) and returns the index after it, or -1, writing nothing, when the year is not
     * between 0000 and 9999 (call {@link Instant#toString} then).
     */
    public static int format(Instant t, byte[] out, int at) {
        long seconds = t.getEpochSecond();
        if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
            return -1;
        }
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) (seconds - day * 86_400L);
        // civil from days (proleptic Gregorian), eras of 400 years starting in March
        long z = day + 719_468L;
        long era = Math.floorDiv(z, 146_097L);
        int dayOfEra = (int) (z - era * 146_097L);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int mp = (5 * dayOfYear + 2) / 153;
        int dayOfMonth = dayOfYear - (153 * mp + 2) / 5 + 1;
        int month = mp < 10 ? mp + 3 : mp - 9;
        int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);
        at = put(out, at, year, 4);
        out[at++] = '-';
        at = put(out, at, month, 2);
        out[at++] = '-';
        at = put(out, at, dayOfMonth, 2);
        out[at++] = 'T';
        at = put(out, at, secondOfDay / 3600, 2);
        out[at++] = ':';
        at = put(out, at, secondOfDay / 60 % 60, 2);
        out[at++] = ':';
        at = put(out, at, secondOfDay % 60, 2);
        int nano = t.getNano();
        if (nano != 0) {
            out[at++] = '.';
            if (nano % 1_000_000 == 0) {
                at = put(out, at, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                at = put(out, at, nano / 1000, 6);
            } else {
                at = put(out, at, nano, 9);
            }
        }
        out[at++] = 'Z';
        return at;
    }

    /** {@code value} as exactly {@code width} decimal digits, zero-padded. */
    private static int put(byte[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }
}
