using System.Text;
using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Fuzz;

/// <summary>
/// A parsed message written back as ER7 with its own delimiters, every value through <see cref="Er7Escape.Encode"/>:
/// the harness's check that what the parser decodes, the ACK writer's escaping encodes.
/// </summary>
public static class Er7Writer
{
    public static string Write(Er7Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var d = message.Delimiters;
        var text = new StringBuilder();
        foreach (var segment in message.Segments)
        {
            text.Append(segment.Id);
            var header = segment.Id is "MSH" or "BHS" or "FHS";
            for (var f = header ? 2 : 1; f <= segment.FieldCount; f++)
            {
                text.Append(d.Field);
                if (header && f == 2)
                {
                    text.Append(segment[2].Value);
                    continue;
                }

                var repetitions = segment[f].Repetitions;
                for (var r = 0; r < repetitions.Count; r++)
                {
                    text.Append(r > 0 ? d.Repetition.ToString() : string.Empty);
                    var components = repetitions[r].Components;
                    for (var c = 0; c < components.Count; c++)
                    {
                        text.Append(c > 0 ? d.Component.ToString() : string.Empty);
                        text.AppendJoin(d.SubComponent, components[c].SubComponents.Select(s => Er7Escape.Encode(s, d)));
                    }
                }
            }

            text.Append('\r');
        }

        return text.ToString();
    }
}
