namespace Gearman.Actors.Tests.RealClients;

/// <summary>
/// The small Perl and PHP programs the real-client tests run, written once per test run into a temporary folder.
/// Each prints one fact per line so that the tests can assert on them.
/// </summary>
public static class Scripts
{
    private static readonly Lazy<string> Folder = new(Write);

    public static string PerlWorker => Path.Combine(Folder.Value, "worker.pl");
    public static string PerlClient => Path.Combine(Folder.Value, "client.pl");
    public static string PhpWorker => Path.Combine(Folder.Value, "worker.php");
    public static string PhpClient => Path.Combine(Folder.Value, "client.php");

    private static string Write()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"gearman-actors-tests-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "worker.pl"), PerlWorkerText);
        File.WriteAllText(Path.Combine(dir, "client.pl"), PerlClientText);
        File.WriteAllText(Path.Combine(dir, "worker.php"), PhpWorkerText);
        File.WriteAllText(Path.Combine(dir, "client.php"), PhpClientText);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return dir;
    }

    // usage: worker.pl HOST PORT FUNC MAXJOBS — reverses each payload, exits after MAXJOBS jobs.
    private const string PerlWorkerText = """
        use strict;
        use warnings;
        use Gearman::Worker;
        use IO::Handle;

        my ($host, $port, $func, $max) = @ARGV;
        STDOUT->autoflush(1);
        my $w = Gearman::Worker->new(job_servers => ["$host:$port"]);
        my $done = 0;
        my $deadline = time + 60;
        $w->register_function($func => sub { my $job = shift; return scalar reverse $job->arg; });
        $w->work(
            on_complete => sub { $done++ },
            on_fail     => sub { $done++ },
            stop_if     => sub { return $done >= $max || time > $deadline },
        );
        print "worker done $done\n";
        exit($done >= $max ? 0 : 1);
        """;

    // usage: client.pl HOST PORT MODE FUNC ARG
    //   do_task FUNC ARG       -> result:<r>
    //   taskset FUNC N         -> r:<i>:<result> per task, then fails:<n>
    //   background FUNC ARG    -> handle:<h> and status:<known>:<running>
    //   status HANDLE          -> status:<known>:<running>
    private const string PerlClientText = """
        use strict;
        use warnings;
        use Gearman::Client;
        use IO::Handle;

        my ($host, $port, $mode, $func, $arg) = @ARGV;
        STDOUT->autoflush(1);
        my $c = Gearman::Client->new(job_servers => ["$host:$port"]);

        sub show_status {
            my $st = shift;
            if ($st) { printf "status:%d:%d\n", ($st->known ? 1 : 0), ($st->running ? 1 : 0); }
            else { print "status:undef\n"; }
        }

        if ($mode eq 'do_task') {
            my $r = $c->do_task($func, $arg, { timeout => 20 });
            print defined $r ? "result:$$r\n" : "result:undef\n";
        }
        elsif ($mode eq 'taskset') {
            my (%res, $fails);
            $fails = 0;
            my $ts = $c->new_task_set;
            for my $i (1 .. $arg) {
                $ts->add_task($func, "item-$i", {
                    on_complete => sub { $res{$i} = ${ $_[0] } },
                    on_fail     => sub { $fails++ },
                });
            }
            $ts->wait(timeout => 20);
            print "r:$_:", (defined $res{$_} ? $res{$_} : 'MISSING'), "\n" for 1 .. $arg;
            print "fails:$fails\n";
        }
        elsif ($mode eq 'background') {
            my $h = $c->dispatch_background($func, $arg);
            print defined $h ? "handle:$h\n" : "handle:undef\n";
            show_status(defined $h ? $c->get_status($h) : undef);
        }
        elsif ($mode eq 'status') {
            show_status($c->get_status($func));
        }
        else { die "unknown mode $mode\n"; }
        """;

    // usage: php worker.php HOST PORT FUNC MAXJOBS — reverses each payload, exits after MAXJOBS jobs.
    private const string PhpWorkerText = """
        <?php
        [$_, $host, $port, $func, $max] = $argv;
        $w = new GearmanWorker();
        $w->addServer($host, (int)$port);
        $w->setTimeout(30000);
        $w->addFunction($func, function (GearmanJob $job) { return strrev($job->workload()); });
        $n = 0;
        while ($n < (int)$max) {
            if (@$w->work()) { $n++; continue; }
            $rc = $w->returnCode();
            if ($rc == GEARMAN_IO_WAIT || $rc == GEARMAN_NO_JOBS) { continue; }
            fwrite(STDERR, "work() rc=$rc " . $w->error() . "\n");
            exit(3);
        }
        echo "worker done $n\n";
        """;

    // usage: php client.php HOST PORT MODE FUNC ARG
    //   normal FUNC ARG        -> rc:<code> and result:<r>
    //   background FUNC ARG    -> handle:<h> and status:<json of jobStatus>
    //   status HANDLE          -> status:<json of jobStatus>
    //   tasks FUNC N           -> run:<ok>, then r:<i>:<result> per task
    private const string PhpClientText = """
        <?php
        [$_, $host, $port, $mode, $func] = $argv;
        $arg = $argv[5] ?? '';
        $c = new GearmanClient();
        $c->addServer($host, (int)$port);
        $c->setTimeout(20000);
        switch ($mode) {
        case 'normal':
            $r = $c->doNormal($func, $arg);
            echo "rc:", $c->returnCode(), "\nresult:$r\n";
            break;
        case 'background':
            $h = $c->doBackground($func, $arg);
            echo "handle:$h\n";
            echo "status:", json_encode($c->jobStatus($h)), "\n";
            break;
        case 'status':
            echo "status:", json_encode($c->jobStatus($func)), "\n";
            break;
        case 'tasks':
            $res = [];
            $c->setCompleteCallback(function (GearmanTask $t) use (&$res) { $res[$t->unique()] = $t->data(); });
            $c->setFailCallback(function (GearmanTask $t) use (&$res) { $res[$t->unique()] = 'FAILED'; });
            $n = (int)$arg;
            for ($i = 1; $i <= $n; $i++) { $c->addTask($func, "item-$i", null, "u$i-" . getmypid()); }
            $ok = $c->runTasks();
            echo "run:", var_export($ok, true), "\n";
            for ($i = 1; $i <= $n; $i++) { echo "r:$i:", $res["u$i-" . getmypid()] ?? 'MISSING', "\n"; }
            break;
        default:
            fwrite(STDERR, "unknown mode $mode\n");
            exit(2);
        }
        """;
}
