namespace Gearman.Actors.Client.Tests.Support;

/// <summary>Small PHP and Perl client programs, written once per test run into a temporary folder.</summary>
public static class Scripts
{
    private static readonly Lazy<string> Folder = new(Write);

    public static string PhpClient => Path.Combine(Folder.Value, "client.php");
    public static string PerlClient => Path.Combine(Folder.Value, "client.pl");

    private static string Write()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gearman-client-tests-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "client.php"), PhpClientText);
        File.WriteAllText(Path.Combine(dir, "client.pl"), PerlClientText);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    // usage: php client.php HOST PORT FUNC ARG -> rc:<code>, result:<r> (libgearman's doNormal)
    private const string PhpClientText = """
        <?php
        [$_, $host, $port, $func, $arg] = $argv;
        $c = new GearmanClient();
        $c->addServer($host, (int)$port);
        $c->setTimeout(30000);
        $r = $c->doNormal($func, $arg);
        echo "rc:", $c->returnCode(), "\nresult:$r\n";
        """;

    // usage: perl client.pl HOST PORT FUNC ARG -> result:<r> (Gearman::Client do_task)
    private const string PerlClientText = """
        use strict;
        use warnings;
        use Gearman::Client;

        my ($host, $port, $func, $arg) = @ARGV;
        my $c = Gearman::Client->new(job_servers => ["$host:$port"]);
        my $r = $c->do_task($func, $arg, { timeout => 30 });
        print defined $r ? "result:$$r\n" : "result:undef\n";
        """;
}
