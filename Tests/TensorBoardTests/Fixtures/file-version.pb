	®9öÌ~ÅÚAbrain.Event:2R.
,tensorboard.summary.writer.event_file_writer