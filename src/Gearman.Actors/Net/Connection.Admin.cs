using System.Globalization;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Gearman.Actors.Admin;
using Gearman.Actors.Directory;
using Gearman.Actors.Protocol;

namespace Gearman.Actors.Net;

// The admin text protocol, which shares the port with the binary one.
public sealed partial class Connection
{
    private void OnAdminLine(string line)
    {
        var command = AdminCommand.Parse(line);
        if (!_mayAdminister && ChangesServer(command.Verb))
        {
            _log.Warning("event=admin-refused remote={0} command={1}", _ip, command.Word);
            Emit(new Outputs.Text(AdminReplies.PermissionDenied));
            return;
        }
        switch (command.Verb)
        {
            case AdminVerb.Workers:
            case AdminVerb.Status:
            case AdminVerb.PriorityStatus:
            case AdminVerb.ShowJobs:
            case AdminVerb.ShowUniqueJobs:
                // The listing reads the registry: this connection's own CAN_DOs before it must be there.
                PublishInfoIfChanged();
                Context.ActorOf(AdminQuery.Props(_ctx, command.Verb, Self, Reserve(s => new AdminText(s, AdminReplies.End))));
                break;
            case AdminVerb.MaxQueue:
                OnMaxQueue(command);
                break;
            case AdminVerb.CancelJob:
                var handle = command.Args[0];
                var (cancelSeq, self) = (Reserve(s => new AdminText(s, AdminReplies.UnknownJob)), Self);
                RouteByKey(LookupKind.Handle, handle, f => new CancelJob(f, handle, self, cancelSeq),
                    new AdminText(cancelSeq, AdminReplies.UnknownJob));
                break;
            case AdminVerb.CreateFunction:
                _ctx.ToQueue(new CreateFunction(command.Args[0], Self, Reserve(s => new AdminText(s, AdminReplies.Unavailable))), Self, Homes);
                break;
            case AdminVerb.DropFunction:
                // A queue that does not exist answers "function not found" itself, wherever it would live.
                _ctx.ToQueue(new DropFunction(command.Args[0], Self, Reserve(s => new AdminText(s, AdminReplies.Unavailable))), Self, Homes);
                break;
            case AdminVerb.Version:
                Emit(new Outputs.Text(AdminReplies.Version(_ctx.Settings.Version)));
                break;
            case AdminVerb.GetPid:
                Emit(new Outputs.Text(AdminReplies.Pid(Environment.ProcessId)));
                break;
            case AdminVerb.Verbose:
                Emit(new Outputs.Text(AdminReplies.Verbose(_ctx.Settings.Verbose)));
                break;
            case AdminVerb.ShowUnknown:
                Emit(new Outputs.Text(AdminReplies.UnknownShowArguments));
                break;
            case AdminVerb.IncompleteArguments:
                Emit(new Outputs.Text(AdminReplies.IncompleteArguments(command.Word)));
                break;
            case AdminVerb.UnknownError:
                Emit(new Outputs.Text(AdminReplies.UnknownError));
                break;
            default:
                Emit(new Outputs.Text(AdminReplies.UnknownCommand(command.Word)));
                break;
        }
    }

    /// <summary>The commands that change what the server does; the listings, version, getpid and verbose only read.</summary>
    private static bool ChangesServer(AdminVerb verb) =>
        verb is AdminVerb.MaxQueue or AdminVerb.CancelJob or AdminVerb.CreateFunction or AdminVerb.DropFunction;

    /// <summary>
    /// maxqueue FUNC [N | HIGH NORMAL LOW]: no size or a negative one means unlimited; one size applies to every
    /// priority. Each limit is compared with the jobs of its own priority.
    /// </summary>
    private void OnMaxQueue(AdminCommand command)
    {
        if (command.Args.Count == 0)
        {
            Emit(new Outputs.Text(AdminReplies.IncompleteArguments("maxqueue")));
            return;
        }
        static int Limit(string s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0;
        var a = command.Args;
        var (high, normal, low) = a.Count >= 4
            ? (Limit(a[1]), Limit(a[2]), Limit(a[3]))
            : a.Count >= 2 ? (Limit(a[1]), Limit(a[1]), Limit(a[1])) : (0, 0, 0);
        // The queue answers once the limit holds, so that the next request sees it; an unknown function is created
        // with the limit (gearmand answers OK and forgets it).
        _ctx.ToQueue(new SetMaxQueue(a[0], high, normal, low, Self, Reserve(s => new AdminText(s, AdminReplies.Unavailable))), Self, Homes);
    }
}
