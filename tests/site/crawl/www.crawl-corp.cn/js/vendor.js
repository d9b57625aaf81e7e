var v=1;
