using System.Buffers.Binary;

namespace CrsMonitor.Service.Research.Deidentification;

/// <summary>
/// De-identification of research data (issue 16), keyed by <see cref="PseudonymKey"/>: a patient becomes a pseudonym
/// stable across exports; every instant of a patient moves by that patient's own whole number of days (30 to 365,
/// earlier or later), so intervals, times of day and the order of events are kept while no real date is; ages over 89
/// are given as "90+" (HIPAA Safe Harbor). Names, birth dates, identifiers and resource ids never leave: each exported
/// resource gets an id derived from the key.
/// </summary>
public sealed class Deidentifier(PseudonymKey key)
{
    public const int MinimumShiftDays = 30;
    public const int MaximumShiftDays = 365;
    public const int AgeCap = 90;

    public string Pseudonym(string patientId) => "rp-" + Base32(key.Mac("patient", patientId), 16);

    /// <summary>
    /// The patient's date shift: a whole number of days in [-365, -30] or [30, 365]. At least a month, so a shifted date
    /// is never within days of the real one (a day's shift would leave the dates of a course guessable, and would make
    /// one day's events land on the next day's real date).
    /// </summary>
    public TimeSpan ShiftOf(string patientId)
    {
        const int Span = MaximumShiftDays - MinimumShiftDays + 1;
        var n = (int)(BinaryPrimitives.ReadUInt32BigEndian(key.Mac("date-shift", patientId)) % (2 * Span));
        return TimeSpan.FromDays(n < Span ? -(MinimumShiftDays + n) : MinimumShiftDays + n - Span);
    }

    public DateTimeOffset Shift(string patientId, DateTimeOffset at) => (at + ShiftOf(patientId)).ToUniversalTime();

    public DateTimeOffset? Shift(string patientId, DateTimeOffset? at) => at is { } t ? Shift(patientId, t) : null;

    /// <summary>An id for an exported resource derived from what it stands for (stable across exports, reveals nothing).</summary>
    public string ResourceId(string kind, string source) => Base32(key.Mac("resource:" + kind, source), 24);

    /// <summary>An age in years as exported: the number, or "90+" from 90 on.</summary>
    public static string? Age(int? years) => years switch
    {
        null => null,
        >= AgeCap => $"{AgeCap}+",
        { } y => y.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Base32(byte[] bytes, int length)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            var bit = i * 5;
            var value = (bytes[bit / 8] << 8) | (bit / 8 + 1 < bytes.Length ? bytes[bit / 8 + 1] : 0);
            chars[i] = Alphabet[(value >> (11 - (bit % 8))) & 31];
        }

        return new string(chars);
    }
}
