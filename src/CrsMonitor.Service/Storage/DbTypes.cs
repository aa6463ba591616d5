using System.Data;
using System.Globalization;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// How instants, decimals and dates travel to and from each provider (Dapper type handlers, registered once).
/// Instants are UTC to the microsecond: SQLite TEXT <c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c> (fixed width: text order is
/// time order), PostgreSQL <c>timestamptz</c>, SQL Server <c>datetime2(7)</c>. Decimals: SQLite TEXT (exact,
/// invariant culture), PostgreSQL <c>numeric</c>, SQL Server <c>decimal(19,6)</c>; read back without trailing zeros.
/// Dates: SQLite TEXT <c>yyyy-MM-dd</c>, otherwise <c>date</c>. A handler looks at the parameter's provider, so one
/// process can use several databases.
/// <para>Enums of rows (the scale; window, slot and alert states) are TEXT, the words the columns have always held. Read:
/// Dapper parses the text by member name, ignoring case, so each word is its member's name in lower case. Written: Dapper
/// binds an enum as its integer and calls no type handler for it, so a row binds its word instead
/// (<c>@ScaleCode</c>, <c>@StateCode</c>).</para>
/// </summary>
public static class DbTypes
{
    public const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
    public const string DateFormat = "yyyy-MM-dd";

    private static readonly Lazy<bool> Registered = new(RegisterHandlers);

    /// <summary>Registers the handlers (idempotent, thread-safe); <see cref="Database"/> calls it.</summary>
    public static void EnsureRegistered() => _ = Registered.Value;

    public static string ToText(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString(InstantFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads an instant stored as <see cref="InstantFormat"/>. The fixed width is read digit by digit (every reading of a
    /// patient is read back on each write, and DateTime.ParseExact was a measurable part of that); anything else goes
    /// through ParseExact, which refuses what is not the format.
    /// </summary>
    public static DateTimeOffset FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 28 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == '.' && text[27] == 'Z'
            && Digits(text, 0, 4) is { } year && Digits(text, 5, 2) is { } month && Digits(text, 8, 2) is { } day && Digits(text, 11, 2) is { } hour
            && Digits(text, 14, 2) is { } minute && Digits(text, 17, 2) is { } second && Digits(text, 20, 7) is { } ticks
            && year >= 1 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59)
        {
            return new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks));
        }

        return new(DateTime.ParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
    }

    /// <summary>An instant as any provider returns it (what the Dapper handler reads; for hand-written readers).</summary>
    public static DateTimeOffset ReadInstant(object value) => value switch
    {
        string s => FromText(s),
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        DateTimeOffset o => o.ToUniversalTime(),
        _ => throw new InvalidCastException($"Cannot read an instant from {value?.GetType().Name}"),
    };

    /// <summary>A decimal as any provider returns it, without trailing zeros (what the Dapper handler reads).</summary>
    public static decimal ReadDecimal(object value) => Normalised(value switch
    {
        string s => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        decimal d => d,
        _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
    });

    /// <summary>Without trailing zeros (37.500000 -> 37.5), so every provider gives back the same value and text.</summary>
    private static decimal Normalised(decimal value) => value / 1.0000000000000000000000000000m;

    private static int? Digits(string text, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = text[i] - '0';
            if (d is < 0 or > 9)
            {
                return null;
            }

            value = (value * 10) + d;
        }

        return value;
    }

    private static bool RegisterHandlers()
    {
        // Dapper's built-in map wins over a handler for types it knows; remove those entries first.
        foreach (var type in new[] { typeof(DateTimeOffset), typeof(DateTimeOffset?), typeof(decimal), typeof(decimal?), typeof(DateOnly), typeof(DateOnly?) })
        {
            SqlMapper.RemoveTypeMap(type);
        }

        SqlMapper.AddTypeHandler(new InstantHandler());
        SqlMapper.AddTypeHandler(new DecimalHandler());
        SqlMapper.AddTypeHandler(new DateHandler());
        return true;
    }

    private sealed class InstantHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value)
        {
            var utc = Instants.Stored(value);
            switch (parameter)
            {
                case SqliteParameter:
                    parameter.DbType = DbType.String;
                    parameter.Value = ToText(utc);
                    break;
                case NpgsqlParameter p:
                    p.NpgsqlDbType = NpgsqlDbType.TimestampTz;
                    p.Value = utc;
                    break;
                case SqlParameter p:
                    p.SqlDbType = SqlDbType.DateTime2;
                    p.Scale = 7;
                    p.Value = utc.UtcDateTime;
                    break;
                default:
                    parameter.Value = utc;
                    break;
            }
        }

        public override DateTimeOffset Parse(object value) => ReadInstant(value);
    }

    private sealed class DecimalHandler : SqlMapper.TypeHandler<decimal>
    {
        public override void SetValue(IDbDataParameter parameter, decimal value)
        {
            value = Normalised(value);
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = value.ToString(CultureInfo.InvariantCulture);
                return;
            }

            parameter.DbType = DbType.Decimal;
            parameter.Value = value;
        }

        public override decimal Parse(object value) => ReadDecimal(value);
    }

    private sealed class DateHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            if (parameter is SqliteParameter)
            {
                parameter.DbType = DbType.String;
                parameter.Value = value.ToString(DateFormat, CultureInfo.InvariantCulture);
                return;
            }

            parameter.DbType = DbType.Date;
            parameter.Value = value;
        }

        public override DateOnly Parse(object value) => value switch
        {
            string s => DateOnly.ParseExact(s, DateFormat, CultureInfo.InvariantCulture),
            DateOnly d => d,
            DateTime d => DateOnly.FromDateTime(d),
            _ => throw new InvalidCastException($"Cannot read a date from {value.GetType().Name}"),
        };
    }
}

/// <summary>Instants as stored: UTC, to the microsecond (PostgreSQL's precision), the same on every provider.</summary>
public static class Instants
{
    public static DateTimeOffset Stored(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }
}
