using System.Text.Json;

namespace CrsMonitor.Service.Ingest;

/// <summary>A LOINC code of observation-codes.json with the LOINC display it stands for (the table documents itself).</summary>
internal sealed record LoincCode(string Code, string Display)
{
    /// <summary>
    /// The <c>codes</c> array of <paramref name="obj"/>: objects with <c>code</c> and <c>display</c>. Each code must be
    /// a LOINC code whose check digit is right, so that a typed-in code that LOINC cannot have stops the service.
    /// </summary>
    public static IReadOnlyList<LoincCode> ReadAll(DataFile file, JsonElement obj, string path, string name = "codes") =>
        [.. file.Array(obj, path, name).Select(c => Read(file, c.Item, c.Path))];

    public static LoincCode Read(DataFile file, JsonElement item, string path)
    {
        var code = file.String(item, path, "code");
        return HasValidCheckDigit(code)
            ? new LoincCode(code, file.String(item, path, "display"))
            : throw file.Problem($"{path}.code", $"'{code}' is not a LOINC code (digits, a hyphen and the right check digit)");
    }

    /// <summary>
    /// LOINC's mod-10 check digit (the Luhn algorithm): counting from the right of the number before the hyphen, every
    /// digit in an odd position is doubled (its digits added), all are summed, and the check digit brings the sum to a
    /// multiple of 10. 8310-5: 0×2 + 1 + 3×2 + 8 = 15, and 15 + 5 = 20.
    /// </summary>
    public static bool HasValidCheckDigit(string code)
    {
        var hyphen = code.IndexOf('-', StringComparison.Ordinal);
        if (hyphen < 1 || hyphen != code.Length - 2 || !code.Remove(hyphen, 1).All(char.IsAsciiDigit))
        {
            return false;
        }

        var sum = 0;
        for (var i = hyphen - 1; i >= 0; i--)
        {
            var digit = code[i] - '0';
            var doubled = (hyphen - 1 - i) % 2 == 0;
            sum += doubled ? (digit * 2 / 10) + (digit * 2 % 10) : digit;
        }

        return (10 - (sum % 10)) % 10 == code[^1] - '0';
    }
}

/// <summary>A LOINC code deliberately not graded (observation-codes.json, <c>notGraded</c>), with the reason the warning gives.</summary>
internal sealed record NotGradedCode(LoincCode Loinc, string Reason);
