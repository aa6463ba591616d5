using System.Text;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;

namespace CrsMonitor.Service.Research.Csv;

/// <summary>
/// Writes the episode CSV and its data dictionary (RFC 4180: comma-separated, CRLF, fields quoted when they hold a
/// comma, quote or line break; a field starting with =, +, - or @ that is not a number is prefixed with an apostrophe
/// so a spreadsheet does not run it as a formula).
/// </summary>
public static class EpisodeCsv
{
    public static string Episodes(IEnumerable<EpisodeRecord> records, Deidentifier deid)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder();
        Row(text, EpisodeColumns.All.Select(c => c.Name));
        foreach (var record in records)
        {
            Row(text, EpisodeColumns.All.Select(c => c.Value(record, deid)));
        }

        return text.ToString();
    }

    public static string Dictionary()
    {
        var text = new StringBuilder();
        Row(text, ["column", "description", "format", "cibmtr_question"]);
        foreach (var column in EpisodeColumns.All)
        {
            Row(text, [column.Name, column.Description, column.Format, column.CibmtrQuestion]);
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, IEnumerable<string?> fields)
    {
        text.AppendJoin(',', fields.Select(Field)).Append("\r\n");
    }

    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' && !decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
