using System.CommandLine;
using System.Text;

namespace Gearman.Actors.Server;

/// <summary>
/// gearmand 1.1.20's flags that mean something else here, or nothing: a distribution's gearmand command line must
/// start this server unchanged. Those with a meaning are mapped (<see cref="QueueType"/>, <see cref="PostgresFromLibpq"/>);
/// the rest are accepted with one warning each, never refused, except where accepting would mislead (<c>--ssl</c>:
/// serving in clear what was meant to be encrypted).
/// </summary>
internal static class GearmandFlags
{
    /// <summary>Flags accepted for gearmand's sake that have no effect here, with the reason the warning gives.</summary>
    public static readonly (Option Option, string Why)[] Ignored =
    [
        (new Option<string?>("--hashtable-buckets"), "queues index their jobs in hash tables that grow by themselves"),
        (new Option<bool>("--coredump"), "the .NET runtime writes dumps when DOTNET_DbgEnableMiniDump is set"),
        (new Option<string?>("--libsqlite3-table"), "the SQLite store keeps its own tables"),
        (new Option<bool>("--store-queue-on-shutdown"), "every background job is stored when it is accepted"),
        (new Option<string?>("--libpq-table"), "the PostgreSQL store keeps its own tables"),
        (new Option<string?>("--protocol", "-r"), "this server has no protocol modules (no HTTP yet)"),
        (new Option<string?>("--http-port"), "this server has no HTTP protocol yet"),
        (new Option<string?>("--libmemcached-servers"), "there is no memcached store"),
        (new Option<string?>("--libmemcached-prefix"), "there is no memcached store"),
        (new Option<string?>("--redis-server"), "there is no redis store"),
        (new Option<string?>("--redis-port"), "there is no redis store"),
        (new Option<string?>("--redis-password"), "there is no redis store"),
        (new Option<string?>("--ssl-ca-file"), "TLS is not supported yet"),
        (new Option<string?>("--ssl-certificate"), "TLS is not supported yet"),
        (new Option<string?>("--ssl-key"), "TLS is not supported yet"),
    ];

    /// <summary>gearmand's queue module names, and this server's own, to this server's store names.</summary>
    public static string QueueType(string name) => name.ToLowerInvariant() switch
    {
        "libsqlite3" or "sqlite3" or "sqlite" => "sqlite",
        "postgres" or "libpq" or "postgresql" => "postgres",
        "builtin" => "builtin",
        var other => throw new ArgumentException(
            $"queue type \"{other}\" is not supported: use sqlite (gearmand's libsqlite3), postgres (gearmand's Postgres) or builtin"),
    };

    /// <summary>
    /// A libpq connection string (<c>host=db port=5432 dbname=gearman user=g password='a b'</c>, or a
    /// <c>postgresql://user:password@host:port/dbname</c> URI) as Npgsql's (<c>Host=db;Port=5432;…</c>).
    /// </summary>
    public static string PostgresFromLibpq(string conninfo)
    {
        var pairs = new List<(string Key, string Value)>();
        if (conninfo.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || conninfo.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(conninfo);
            if (uri.UserInfo is { Length: > 0 } info)
            {
                var parts = info.Split(':', 2);
                pairs.Add(("user", Uri.UnescapeDataString(parts[0])));
                if (parts.Length > 1) pairs.Add(("password", Uri.UnescapeDataString(parts[1])));
            }
            if (uri.Host.Length > 0) pairs.Add(("host", uri.Host));
            if (!uri.IsDefaultPort && uri.Port > 0) pairs.Add(("port", uri.Port.ToString()));
            if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db) pairs.Add(("dbname", Uri.UnescapeDataString(db)));
        }
        else
        {
            for (var i = 0; i < conninfo.Length;)
            {
                while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i])) i++;
                if (i >= conninfo.Length) break;
                var eq = conninfo.IndexOf('=', i);
                if (eq < 0) throw new ArgumentException($"--libpq-conninfo: \"{conninfo[i..]}\" is not key=value");
                var key = conninfo[i..eq].Trim();
                i = eq + 1;
                while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i])) i++;
                var value = new StringBuilder();
                if (i < conninfo.Length && conninfo[i] == '\'')
                {
                    for (i++; i < conninfo.Length && conninfo[i] != '\''; i++)
                        value.Append(conninfo[i] == '\\' && i + 1 < conninfo.Length ? conninfo[++i] : conninfo[i]);
                    i++;
                }
                else
                {
                    for (; i < conninfo.Length && !char.IsWhiteSpace(conninfo[i]); i++)
                        value.Append(conninfo[i] == '\\' && i + 1 < conninfo.Length ? conninfo[++i] : conninfo[i]);
                }
                pairs.Add((key, value.ToString()));
            }
        }
        var npgsql = new Npgsql.NpgsqlConnectionStringBuilder();
        foreach (var (key, value) in pairs)
        {
            switch (key)
            {
                case "host" or "hostaddr": npgsql.Host = value; break;
                case "port": npgsql.Port = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "dbname": npgsql.Database = value; break;
                case "user": npgsql.Username = value; break;
                case "password": npgsql.Password = value; break;
                case "connect_timeout": npgsql.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "application_name": npgsql.ApplicationName = value; break;
                case "sslmode": npgsql.SslMode = SslMode(value); break;
                default:
                    throw new ArgumentException($"--libpq-conninfo: \"{key}\" has no Npgsql equivalent; use --postgres with an Npgsql connection string");
            }
        }
        return npgsql.ConnectionString;
    }

    private static Npgsql.SslMode SslMode(string libpq) => libpq switch
    {
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "prefer" => Npgsql.SslMode.Prefer,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => throw new ArgumentException($"--libpq-conninfo: sslmode \"{libpq}\" is not known"),
    };
}
