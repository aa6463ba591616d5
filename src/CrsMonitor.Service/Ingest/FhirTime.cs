using ElementTypes = Hl7.Fhir.ElementModel.Types;

namespace CrsMonitor.Service.Ingest;

internal enum TimeKind
{
    /// <summary>A point in time with its UTC offset (the only kind a reading can be placed at).</summary>
    Instant,

    /// <summary>A year, month or day without a time of day.</summary>
    DateOnly,

    /// <summary>A time of day without an offset (not valid FHIR; a local time cannot be placed).</summary>
    NoOffset,

    /// <summary>Valid FHIR, but outside <see cref="SupportedInstants"/> (year 1, 9999, ...).</summary>
    OutOfRange,

    Invalid,
}

internal readonly record struct TimeValue(TimeKind Kind, DateTimeOffset At);

/// <summary>FHIR dateTime literals as the ingester needs them: an instant (UTC), or why not.</summary>
internal static class FhirTime
{
    public static TimeValue Read(string? literal)
    {
        if (literal is null || !ElementTypes.DateTime.TryParse(literal, out var value))
        {
            return new TimeValue(TimeKind.Invalid, default);
        }

        DateTimeOffset at;
        try
        {
            // A partial date is taken at its first instant; year 1 with a positive offset is before DateTimeOffset.MinValue.
            at = value.ToDateTimeOffset(TimeSpan.Zero).ToUniversalTime();
        }
        catch (ArgumentOutOfRangeException)
        {
            return new TimeValue(TimeKind.OutOfRange, default);
        }

        if (!SupportedInstants.Contains(at))
        {
            return new TimeValue(TimeKind.OutOfRange, default);
        }

        if (value.Precision <= ElementTypes.DateTimePrecision.Day)
        {
            return new TimeValue(TimeKind.DateOnly, default);
        }

        return value.HasOffset ? new TimeValue(TimeKind.Instant, at) : new TimeValue(TimeKind.NoOffset, default);
    }
}
