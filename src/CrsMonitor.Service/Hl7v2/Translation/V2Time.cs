using System.Globalization;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// HL7 v2 timestamps (DTM, and TS component 1: <c>YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]</c>) as FHIR literals.
/// One with an offset is taken as sent; one without is placed in the hospital's zone (<c>Monitoring:TimeZone</c>),
/// except that a local time the zone skipped (the spring-forward gap) or had twice (the autumn overlap) cannot be
/// placed and is refused: guessing would move a reading by an hour. A date alone stays a date.
/// </summary>
public sealed class V2Time(TimeZoneInfo zone)
{
    public TimeZoneInfo Zone => zone;

    /// <summary>A FHIR dateTime (or date, when only a date was sent); null when empty or refused (the finding says why).</summary>
    public string? DateTime(string text, Er7Location at, V2Findings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (text.Length == 0)
        {
            return null;
        }

        if (!TryParts(text, out var parts))
        {
            findings.Error(at, $"'{text}' is not an HL7 timestamp (YYYYMMDDHHMM[SS[.SSSS]][+/-ZZZZ])");
            return null;
        }

        if (!parts.Valid)
        {
            findings.Error(at, $"'{text}' is not a real date and time");
            return null;
        }

        if (parts.Hour is null)
        {
            return parts.DateLiteral;
        }

        var local = new System.DateTime(parts.Year, parts.Month ?? 1, parts.Day ?? 1, parts.Hour.Value, parts.Minute ?? 0, parts.Second ?? 0, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (parts.Offset is { } sent)
        {
            offset = sent;
        }
        else if (zone.IsInvalidTime(local))
        {
            findings.Error(at, $"'{text}' has no UTC offset and falls in the daylight-saving gap of {zone.Id} (the clocks skipped it): send it with its offset (+/-ZZZZ)");
            return null;
        }
        else if (zone.IsAmbiguousTime(local))
        {
            findings.Error(at, $"'{text}' has no UTC offset and happened twice in {zone.Id} (the clocks went back): send it with its offset (+/-ZZZZ)");
            return null;
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }

        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{local:yyyy-MM-dd'T'HH:mm:ss}{parts.Fraction}{sign}{abs.Hours:00}:{abs.Minutes:00}");
    }

    /// <summary>A FHIR date (year, year-month or full date) from a DTM, ignoring any time of day (PID-7, a birth date).</summary>
    public static string? Date(string text, Er7Location at, V2Findings findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        if (text.Length == 0)
        {
            return null;
        }

        if (!TryParts(text, out var parts) || !parts.Valid)
        {
            findings.Error(at, $"'{text}' is not a date (YYYY[MM[DD]])");
            return null;
        }

        return parts.DateLiteral;
    }

    private static bool TryParts(string text, out Parts parts)
    {
        parts = default;
        var offsetAt = text.IndexOfAny(['+', '-']);
        var core = offsetAt < 0 ? text : text[..offsetAt];
        var fractionAt = core.IndexOf('.', StringComparison.Ordinal);
        var digits = fractionAt < 0 ? core : core[..fractionAt];
        var fraction = fractionAt < 0 ? string.Empty : core[fractionAt..];
        if (digits.Length is not (4 or 6 or 8 or 10 or 12 or 14) || !digits.All(char.IsAsciiDigit)
            || (fraction.Length > 0 && (digits.Length != 14 || fraction.Length is < 2 or > 5 || !fraction[1..].All(char.IsAsciiDigit))))
        {
            return false;
        }

        TimeSpan? offset = null;
        if (offsetAt >= 0)
        {
            var zone = text[offsetAt..];
            if (zone.Length != 5 || !zone[1..].All(char.IsAsciiDigit) || digits.Length < 10)
            {
                return false;
            }

            var hours = Number(zone, 1, 2);
            var minutes = Number(zone, 3, 2);
            if (hours > 14 || minutes > 59)
            {
                return false;
            }

            offset = new TimeSpan(hours, minutes, 0) * (zone[0] == '-' ? -1 : 1);
        }

        int? Part(int at) => digits.Length > at ? Number(digits, at, 2) : null;
        parts = new Parts(Number(digits, 0, 4), Part(4), Part(6), Part(8), Part(10), Part(12), fraction, offset);
        return true;
    }

    private static int Number(string text, int start, int length) => int.Parse(text.AsSpan(start, length), NumberStyles.None, CultureInfo.InvariantCulture);

    private readonly record struct Parts(int Year, int? Month, int? Day, int? Hour, int? Minute, int? Second, string Fraction, TimeSpan? Offset)
    {
        public bool Valid =>
            Year >= 1 && Month is null or (>= 1 and <= 12) && (Day is null || (Day >= 1 && Day <= System.DateTime.DaysInMonth(Year, Month ?? 1)))
            && Hour is null or < 24 && Minute is null or < 60 && Second is null or < 60;

        public string DateLiteral => (Month, Day) switch
        {
            (null, _) => Year.ToString("0000", CultureInfo.InvariantCulture),
            (_, null) => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-{Month:00}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-{Month:00}-{Day:00}"),
        };
    }
}
